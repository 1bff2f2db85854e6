// /u/<token> (SPEC §10, RFC 8058):
//  - GET (and HEAD): the confirmation page (pages.hpp); never changes anything,
//    because mail scanners and link previewers fetch every URL in a message.
//  - POST with the one-click body (one_click.hpp): HSETNX
//    <prefix>optout:{<addr>} <scope> "<now>|one-click|" (an earlier opt-out of
//    that scope keeps its time: it is the proof), then an audit record
//    (decision unsubscribe, rcpt = address, category = scope, campaign = the
//    token's, rule one-click, or builtin:already-opted-out for a repeat), then
//    200. Each valid POST is audited, repeats too, so a record lost to a failed
//    write is written by the client's retry.
// Errors: a token that does not verify, or a POST that is not one-click: 400,
// nothing changed. Redis unavailable: 503 (nothing changed or recorded; the
// client retries). Audit write failed after the opt-out was stored: 500 (the
// opt-out holds; the retry audits it). Without an `unsubscribe` section: 404.
// Responses are HTML when the client accepts text/html (a browser), else text.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>

#include "relay/admin/backend.hpp"
#include "relay/admin/exchange.hpp"
#include "relay/metrics/catalogue.hpp"

namespace kizuna::admin {

response unsubscribe_page(const request& req, const backend& b, std::string_view token);

boost::asio::awaitable<response> one_click_unsubscribe(const request& req, const backend& b, std::string_view token);

// kizuna_unsubscribe_requests_total on the admin thread's shard: route one_click
// for POST, page for GET/HEAD. Verified POSTs are counted by
// unsubscribe::record_unsubscribe (opted_out, repeat, error).
void count_unsubscribe_request(std::string_view method, metrics::unsubscribe_result result);

// True when the Accept header lists text/html (a browser; one-click clients do not).
bool wants_html(std::string_view accept);

}  // namespace kizuna::admin
