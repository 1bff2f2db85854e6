#include "relay/admin/unsubscribe_endpoint.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <string>
#include <vector>

#include "relay/admin/one_click.hpp"
#include "relay/admin/pages.hpp"
#include "relay/core/log.hpp"
#include "relay/core/optout_entry.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/store/keys.hpp"
#include "relay/unsubscribe/record.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::admin {
namespace asio = boost::asio;
namespace {

constexpr std::string_view html_type = "text/html; charset=utf-8";

response html_or_text(const request& req, unsigned status, std::string html, std::string_view text) {
  response r;
  r.status = status;
  if (wants_html(req.accept)) {
    r.content_type = html_type;
    r.body = std::move(html);
  } else {
    r.body = std::string(text);
  }
  return r;
}

response invalid_link(const request& req, std::string_view why) {
  count_unsubscribe_request(req.method, metrics::unsubscribe_result::invalid);
  log::info("admin: {} {} /u/: {}", req.client_ip, req.method, why);
  return html_or_text(req, 400, invalid_link_page(), invalid_link_text);
}

}  // namespace

void count_unsubscribe_request(std::string_view method, metrics::unsubscribe_result result) {
  const metrics::recorder* m = metrics::this_thread();
  if (!m) return;
  const auto route = method == "POST" ? metrics::unsubscribe_route::one_click : metrics::unsubscribe_route::page;
  m->cells->inc(m->ids->unsubscribe_requests, {metrics::index(route), metrics::index(result)});
}

bool wants_html(std::string_view accept) {
  std::string lower(accept);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("text/html") != std::string::npos;
}

response unsubscribe_page(const request& req, const backend& b, std::string_view token) {
  auto claims = unsubscribe::verify_token(token, b.cfg->unsubscribe->keys);
  if (!claims) return invalid_link(req, unsubscribe::to_string(claims.error()));
  count_unsubscribe_request(req.method, metrics::unsubscribe_result::shown);
  response r;
  r.content_type = html_type;
  r.body = confirm_page(claims->address, claims->scope);
  return r;
}

asio::awaitable<response> one_click_unsubscribe(const request& req, const backend& b, std::string_view token) {
  auto claims = unsubscribe::verify_token(token, b.cfg->unsubscribe->keys);
  if (!claims) co_return invalid_link(req, unsubscribe::to_string(claims.error()));
  if (!is_one_click(req.content_type, req.body)) {
    count_unsubscribe_request(req.method, metrics::unsubscribe_result::invalid);
    log::info("admin: {} POST /u/: not a one-click request (Content-Type \"{}\", {} bytes)", req.client_ip,
              sanitize_optout_text(req.content_type.substr(0, 100)), req.body.size());
    response r;
    r.status = 400;
    r.body = "Expected the one-click form List-Unsubscribe=One-Click (RFC 8058).\n";
    co_return r;
  }

  const std::string& address = claims->address;
  const std::string& scope = claims->scope;
  const auto who = mask_address(address);
  auto stored = co_await unsubscribe::record_unsubscribe(*b.redis, b.cfg->redis.key_prefix, *b.audit, b.executor,
                                                         *claims, "one-click");
  if (!stored && stored.error() == unsubscribe::record_error::redis) {
    response r;
    r.status = 503;
    r.headers.emplace_back("Retry-After", "60");
    r.body = "Temporarily unavailable, please try again later. しばらくしてから再度お試しください。\n";
    co_return r;
  }
  if (!stored) {  // stored, not audited: a retry audits it
    response r;
    r.status = 500;
    r.body = "The request was recorded but could not be confirmed; please try again.\n";
    co_return r;
  }
  const bool first = *stored;
  log::info("admin: unsubscribe {} scope {} (one-click){}", who, scope, first ? "" : ", already opted out");
  co_return html_or_text(req, 200, done_page(address, scope), done_text);
}

}  // namespace kizuna::admin
