// The delivery ledger's Redis commands (issue 11; the states: delivery/ledger_entry.hpp).
//
// Keys (SPEC §4 style; the address in braces is the Redis Cluster hash tag, so a
// recipient's ledger entries share the slot of its other keys):
//   <prefix>ledger:{<address>}:<identity>   string, TTL = ledger.window_s
//   <prefix>alive:<owner>                   "1", TTL alive_ttl, refreshed by each
//                                           running process (heartbeat_command)
// <identity> is message_identity(): 32 hex digits.
//
// Every change after the reservation is a compare-and-swap (a Lua script on one
// key: cluster-safe): an attempt only moves an entry it still owns, so an attempt
// whose reservation was taken over (its owner looked dead) can never commit.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/core/errc.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::store {

// A process's alive key lives this long without a refresh; refreshed every alive_refresh.
inline constexpr std::chrono::seconds alive_ttl{15};
inline constexpr std::chrono::seconds alive_refresh{5};

// "The same message": its Message-ID when it has one (a resend of the same
// message through any path), else SHA-256 over the reverse-path and the bytes.
std::string message_identity(std::optional<std::string_view> message_id, std::string_view mail_from,
                             std::string_view message);

std::string ledger_key(std::string_view prefix, std::string_view address, std::string_view identity);
std::string alive_key(std::string_view prefix, std::string_view owner);

redis_command heartbeat_command(std::string_view prefix, std::string_view owner);

// SET key value NX GET EX ttl for each key, one round trip: per key nothing when
// this call reserved it, else the value found (left as it was).
boost::asio::awaitable<std::expected<std::vector<std::optional<std::string>>, error_code>> ledger_reserve(
    redis_client& redis, const std::vector<std::string>& keys, const std::vector<std::string>& values,
    std::chrono::seconds ttl);

// Whether each owner's alive key exists, one round trip.
boost::asio::awaitable<std::expected<std::vector<bool>, error_code>> owners_alive(
    redis_client& redis, std::string_view prefix, const std::vector<std::string>& owners);

// Compare-and-swap: when `key` holds `expected`, replace it by `replacement` with
// TTL `ttl` (an empty replacement deletes the key).
struct ledger_swap {
  std::string key;
  std::string expected;
  std::string replacement;
  std::chrono::seconds ttl{0};
};
redis_command swap_command(const ledger_swap& s);
// The swaps in one round trip: whether each one applied.
boost::asio::awaitable<std::expected<std::vector<bool>, error_code>> ledger_swap_all(redis_client& redis,
                                                                                    std::vector<ledger_swap> swaps);

}  // namespace kizuna::store
