#include "relay/admin/handler.hpp"

#include <string>

#include "relay/admin/health.hpp"
#include "relay/admin/metrics_endpoint.hpp"
#include "relay/admin/routes.hpp"
#include "relay/admin/unsubscribe_endpoint.hpp"

namespace kizuna::admin {
namespace asio = boost::asio;
namespace {

response text(unsigned status, std::string body) {
  response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

asio::awaitable<response> dispatch(const request& req, const backend& b, rate_limiter& limiter) {
  const route r = match_route(req.target);
  if (r.kind == route_kind::not_found) co_return text(404, "Not found\n");
  if (!method_allowed(r.kind, req.method)) {
    auto res = text(405, "Method not allowed\n");
    res.headers.emplace_back("Allow", std::string(allowed_methods(r.kind)));
    co_return res;
  }
  if (r.kind == route_kind::healthz) co_return co_await check_health(b);
  if (r.kind == route_kind::metrics) co_return scrape_metrics(b);

  if (!b.cfg->unsubscribe) co_return text(404, "Not found\n");
  if (!limiter.allow(client_key(req.client_ip), rate_limiter::clock::now())) {
    count_unsubscribe_request(req.method, metrics::unsubscribe_result::invalid);
    auto res = text(429, "Too many requests, please try again in a moment.\n");
    res.headers.emplace_back("Retry-After", "1");
    co_return res;
  }
  if (req.method == "POST") co_return co_await one_click_unsubscribe(req, b, r.token);
  co_return unsubscribe_page(req, b, r.token);
}

}  // namespace

asio::awaitable<response> handle(const request& req, const backend& b, rate_limiter& limiter) {
  response res = co_await dispatch(req, b, limiter);
  res.headers.emplace_back("Cache-Control", "no-store");
  res.headers.emplace_back("X-Content-Type-Options", "nosniff");
  res.headers.emplace_back("Referrer-Policy", "no-referrer");
  if (res.content_type.starts_with("text/html")) {
    res.headers.emplace_back("Content-Security-Policy",
                             "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
                             "frame-ancestors 'none'; base-uri 'none'");
  }
  co_return res;
}

}  // namespace kizuna::admin
