// Applies a verified unsubscribe (SPEC §10), for the one-click endpoint and the
// mailto route alike: HSETNX <prefix>optout:{addr} <scope> "<now>|<source>|" (an
// existing opt-out of that scope keeps its first time: it is the compliance
// proof) and an audit record (decision unsubscribe, category = scope, campaign =
// the token's campaign, "" for a version-1 token; rule = source, or
// audit::already_opted_out_rule when that scope was opted out already: a repeat, not a
// second unsubscribe). Errors say which step failed; a stored opt-out whose
// audit record failed stays stored (the caller reports it, a retry audits it,
// as a repeat).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <expected>
#include <string>
#include <string_view>

#include "relay/audit/log_writer.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/store/redis_client.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::unsubscribe {

enum class record_error { redis, audit };

// kizuna_unsubscribe_requests_total{route, result} on the calling thread's shard
// (the admin thread for one-click, an I/O thread for mailto): route mailto when
// source is "mailto", else one_click. record_unsubscribe() counts what it did;
// the mailto route counts a token that does not verify (result invalid) itself.
void count_request(std::string_view source, metrics::unsubscribe_result result);

// true when this created the opt-out, false when one of that scope existed.
boost::asio::awaitable<std::expected<bool, record_error>> record_unsubscribe(
    store::redis_client& redis, std::string_view key_prefix, audit::log_writer& log,
    boost::asio::any_io_executor ex, const token_claims& claims, std::string_view source,
    std::string message_id = {});

}  // namespace kizuna::unsubscribe
