// Applies a verified unsubscribe (SPEC §10), for the one-click endpoint and the
// mailto route alike: HSETNX <prefix>optout:{addr} <scope> "<now>|<source>|" (an
// existing opt-out of that scope keeps its first time: it is the compliance
// proof) and an audit record (decision unsubscribe, category = scope, rule =
// source). Errors say which step failed; a stored opt-out whose audit record
// failed stays stored (the caller reports it, a retry audits it).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <expected>
#include <string>
#include <string_view>

#include "relay/audit/log_writer.hpp"
#include "relay/store/redis_client.hpp"
#include "relay/unsubscribe/token.hpp"

namespace kizuna::unsubscribe {

enum class record_error { redis, audit };

// true when this created the opt-out, false when one of that scope existed.
boost::asio::awaitable<std::expected<bool, record_error>> record_unsubscribe(
    store::redis_client& redis, std::string_view key_prefix, audit::log_writer& log,
    boost::asio::any_io_executor ex, const token_claims& claims, std::string_view source,
    std::string message_id = {});

}  // namespace kizuna::unsubscribe
