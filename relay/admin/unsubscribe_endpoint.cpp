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
#include "relay/store/keys.hpp"
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
  log::info("admin: {} {} /u/: {}", req.client_ip, req.method, why);
  return html_or_text(req, 400, invalid_link_page(), invalid_link_text);
}

}  // namespace

bool wants_html(std::string_view accept) {
  std::string lower(accept);
  std::ranges::transform(lower, lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower.find("text/html") != std::string::npos;
}

response unsubscribe_page(const request& req, const backend& b, std::string_view token) {
  auto claims = unsubscribe::verify_token(token, b.cfg->unsubscribe->keys);
  if (!claims) return invalid_link(req, unsubscribe::to_string(claims.error()));
  response r;
  r.content_type = html_type;
  r.body = confirm_page(claims->address, claims->scope);
  return r;
}

asio::awaitable<response> one_click_unsubscribe(const request& req, const backend& b, std::string_view token) {
  auto claims = unsubscribe::verify_token(token, b.cfg->unsubscribe->keys);
  if (!claims) co_return invalid_link(req, unsubscribe::to_string(claims.error()));
  if (!is_one_click(req.content_type, req.body)) {
    log::info("admin: {} POST /u/: not a one-click request (Content-Type \"{}\", {} bytes)", req.client_ip,
              sanitize_optout_text(req.content_type.substr(0, 100)), req.body.size());
    response r;
    r.status = 400;
    r.body = "Expected the one-click form List-Unsubscribe=One-Click (RFC 8058).\n";
    co_return r;
  }

  const auto& [address, scope] = *claims;
  const auto who = mask_address(address);
  // Build the command in a local: GCC 12 miscompiles braced lists inside co_await.
  store::redis_command hsetnx;
  hsetnx.emplace_back("HSETNX");
  hsetnx.push_back(store::address_key(b.cfg->redis.key_prefix, "optout", address));
  hsetnx.push_back(scope);
  hsetnx.push_back(encode_optout_entry({static_cast<int64_t>(std::time(nullptr)), "one-click", ""}));
  auto stored = co_await b.redis->command(std::move(hsetnx));
  if (!stored || stored->is_error()) {
    log::error("admin: unsubscribe {} ({}) not stored: {}", who, scope,
               stored ? stored->str : stored.error().message());
    response r;
    r.status = 503;
    r.headers.emplace_back("Retry-After", "60");
    r.body = "Temporarily unavailable, please try again later. しばらくしてから再度お試しください。\n";
    co_return r;
  }
  const bool first = stored->integer == 1;

  audit::record rec;
  rec.rcpt = address;
  rec.category = scope;
  rec.decision = audit::action::unsubscribe;
  rec.rule = "one-click";
  if (auto ec = co_await b.audit->append(b.executor, std::move(rec))) {
    log::error("admin: unsubscribe {} ({}) stored but not audited: {}", who, scope, ec.message());
    response r;
    r.status = 500;
    r.body = "The request was recorded but could not be confirmed; please try again.\n";
    co_return r;
  }
  log::info("admin: unsubscribe {} scope {} (one-click){}", who, scope, first ? "" : ", already opted out");
  co_return html_or_text(req, 200, done_page(address, scope), done_text);
}

}  // namespace kizuna::admin
