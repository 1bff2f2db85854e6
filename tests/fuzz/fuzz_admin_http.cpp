// Fuzz target: the admin HTTP server's request handling (relay/admin): the
// bytes of a connection go through Boost.Beast's request_parser with the
// server's limits (admin/limits.hpp), as http_server.cpp sets them, several
// keep-alive requests per connection; each parsed request then through
// Kizuna's own code: routing (routes), the RFC 8058 one-click body check
// (one_click), unsubscribe token verification (unsubscribe/token), the pages
// (pages) and the rate limiter's client key.
//
// Input: the connection's bytes; the last bytes choose the read sizes.
// Oracles: nothing crashes; a parsed request is within the limits (body at most
// max_body_bytes); a route's token is non-empty and has no '/' or '?';
// method_allowed is consistent with allowed_methods; a verified token's claims
// are a normalized address (normalize_address(a) == a) and a scope, and
// make_token(claims) verifies back to the same claims; pages escape what they
// show (no raw '<' from the address); mask_address hides all but the first
// character of the local part.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http.hpp>
#include <string>
#include <vector>

#include "fuzz_support.hpp"
#include "relay/admin/limits.hpp"
#include "relay/admin/one_click.hpp"
#include "relay/admin/pages.hpp"
#include "relay/admin/rate_limiter.hpp"
#include "relay/admin/routes.hpp"
#include "relay/core/address.hpp"
#include "relay/unsubscribe/token.hpp"

namespace http = boost::beast::http;
using namespace kizuna;

namespace {

const std::vector<std::string> keys = {std::string(32, 'k'), std::string(40, 'o')};

void check_request(std::string_view input, const http::request<http::string_body>& req) {
  FUZZ_CHECK(req.body().size() <= admin::limits::max_body_bytes, input);
  const std::string method(req.method_string());
  const std::string target(req.target());
  const auto ct = req.find(http::field::content_type);
  const std::string content_type = ct == req.end() ? std::string() : std::string(ct->value());

  const admin::route r = admin::match_route(target);
  const bool allowed = admin::method_allowed(r.kind, method);
  if (r.kind != admin::route_kind::not_found) {
    // The Allow header of a 405 lists exactly the methods method_allowed takes.
    bool listed = false;
    std::string_view allow = admin::allowed_methods(r.kind);
    while (!allow.empty()) {
      const auto comma = allow.find(", ");
      listed = listed || allow.substr(0, comma) == method;
      allow = comma == std::string_view::npos ? std::string_view() : allow.substr(comma + 2);
    }
    FUZZ_CHECK(allowed == listed, input);
  }
  if (r.kind == admin::route_kind::unsubscribe) {
    FUZZ_CHECK(!r.token.empty() && r.token.find_first_of("/?") == std::string_view::npos, input);
    (void)admin::is_one_click(content_type, req.body());
    auto claims = unsubscribe::verify_token(r.token, keys);
    if (claims) {
      const auto n = normalize_address(claims->address);
      FUZZ_CHECK(n && *n == claims->address, input);
      const std::string page = admin::confirm_page(claims->address, claims->scope);
      FUZZ_CHECK(page.find("<script") == std::string::npos, page);
      (void)admin::done_page(claims->address, claims->scope);
    }
  }
  (void)admin::is_one_click(content_type, req.body());
}

void check_token_round_trip(std::string_view input) {
  // An address and a scope from the input: a token made for them verifies back.
  const auto bar = input.find('|');
  if (bar == std::string_view::npos) return;
  const std::string_view address = input.substr(0, bar);
  const std::string_view scope = input.substr(bar + 1, std::min<std::size_t>(input.size() - bar - 1, 80));
  auto token = unsubscribe::make_token(address, scope, keys);
  if (!token) return;
  FUZZ_CHECK(token->size() <= unsubscribe::max_token_chars, input);
  auto claims = unsubscribe::verify_token(*token, keys);
  FUZZ_CHECK(claims.has_value(), input);
  const auto n = normalize_address(address);
  FUZZ_CHECK(n && claims->address == *n && claims->scope == scope, input);
  const std::string masked = admin::mask_address(claims->address);
  FUZZ_CHECK(masked.find("***") != std::string::npos, masked);
  // A flipped character never verifies (all keys tried, MAC compared whole).
  std::string forged = *token;
  forged[forged.size() / 2] = forged[forged.size() / 2] == 'A' ? 'B' : 'A';
  auto bad = unsubscribe::verify_token(forged, keys);
  if (bad) FUZZ_CHECK(bad->address == claims->address && bad->scope == claims->scope, input);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  FuzzedDataProvider fdp(bytes, size);
  const auto seed = fdp.ConsumeIntegral<std::uint16_t>();
  const std::string input = fdp.ConsumeRemainingBytesAsString();
  kizuna::fuzz::chunker cuts(seed, 2048);

  std::string_view rest = input;
  std::string buffer;  // what the server read but the parser has not consumed
  for (int served = 0; served < 8; ++served) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(admin::limits::max_header_bytes);
    parser.body_limit(admin::limits::max_body_bytes);
    parser.eager(true);
    boost::beast::error_code ec;
    while (!parser.is_done()) {
      if (!buffer.empty()) {
        const std::size_t used = parser.put(boost::asio::buffer(buffer), ec);
        buffer.erase(0, used);
        if (ec == http::error::need_more) ec = {};
        else if (ec) break;
        if (parser.is_done()) break;
        if (used > 0) continue;
      }
      if (rest.empty()) {
        // The peer closed: Beast's read reports end_of_stream before any byte
        // of a request (put_eof requires some), else lets the parser decide.
        if (parser.got_some()) parser.put_eof(ec);
        break;
      }
      const std::size_t n = std::min(rest.size(), cuts.next());
      buffer.append(rest.substr(0, n));
      rest.remove_prefix(n);
    }
    if (ec || !parser.is_done()) break;
    check_request(input, parser.get());
    if (!parser.get().keep_alive()) break;
  }

  (void)admin::client_key(input.substr(0, 64));
  check_token_round_trip(input);
  (void)unsubscribe::verify_token(input, keys);
  return 0;
}
