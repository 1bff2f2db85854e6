// store::recipient_lookup — everything the loaded rules need about one
// recipient, fetched in ONE pipelined round trip (DESIGN.md): HGETALL of
// optout:{addr} and optout-domain:<domain> always (the built-in opt-out rule
// needs them), then contact/exclusion/consent hashes and the recent part of
// sent:{addr} only when a loaded rule uses them (policy::data_needs).
//
// Fail closed: a Redis error, a timeout, an error reply (e.g. WRONGTYPE) or a
// malformed reply is an error; the caller defers the recipient (451 4.3.0).
//
// With sticky personas on, GET persona:{addr}, in the same round trip.
//
// sent:{addr} is a sorted set: score = relay time (epoch seconds), member =
// "<category>|<transaction id>|<address>", so per-category caps count from one key.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <expected>
#include <string>
#include <string_view>

#include "relay/core/errc.hpp"
#include "relay/policy/inputs.hpp"
#include "relay/policy/model.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::store {

struct recipient_record {
  policy::recipient_data data;
};

boost::asio::awaitable<std::expected<recipient_record, error_code>> fetch_recipient(
    redis_client& redis, std::string_view prefix, std::string_view address, const policy::data_needs& needs,
    std::chrono::seconds sent_period, std::chrono::system_clock::time_point now);

// The commands that record relayed copies in sent:{addr} and trim it to
// `keep`; the caller pipelines them with its other writes.
void append_sent_commands(std::vector<redis_command>& out, std::string_view prefix, std::string_view address,
                          std::string_view category, std::string_view transaction_id,
                          std::chrono::system_clock::time_point now, std::chrono::seconds keep);

// Records a contact's sticky persona (persona:{addr}, SPEC §4): the first
// assignment wins (SET NX) unless `replace` (the stored one names a persona that
// no longer exists).
void append_sticky_persona_command(std::vector<redis_command>& out, std::string_view prefix, std::string_view address,
                                   std::string_view persona_id, bool replace);

}  // namespace kizuna::store
