#include "relay/store/delivery_ledger.hpp"

#include "relay/core/sha256.hpp"
#include "relay/store/keys.hpp"

namespace kizuna::store {
namespace {

// KEYS[1] the entry; ARGV: expected value, replacement ("" = delete), TTL seconds.
constexpr std::string_view swap_script =
    "if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end "
    "if ARGV[2] == '' then redis.call('DEL', KEYS[1]) "
    "else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end "
    "return 1";

}  // namespace

std::string message_identity(std::optional<std::string_view> message_id, std::string_view mail_from,
                             std::string_view message) {
  // Prefixed so that a Message-ID can never equal a digest's input.
  const std::string h = message_id ? sha256_hex({"message-id\n", *message_id})
                                   : sha256_hex({"bytes\n", mail_from, "\n", message});
  return h.substr(0, 32);
}

std::string ledger_key(std::string_view prefix, std::string_view address, std::string_view identity) {
  std::string k = address_key(prefix, "ledger", address);
  k.append(":").append(identity);
  return k;
}

std::string alive_key(std::string_view prefix, std::string_view owner) {
  std::string k;
  k.append(prefix).append("alive:").append(owner);
  return k;
}

redis_command heartbeat_command(std::string_view prefix, std::string_view owner) {
  return {std::string("SET"), alive_key(prefix, owner), std::string("1"), std::string("EX"),
          std::to_string(alive_ttl.count())};
}

boost::asio::awaitable<std::expected<std::vector<std::optional<std::string>>, error_code>> ledger_reserve(
    redis_client& redis, const std::vector<std::string>& keys, const std::vector<std::string>& values,
    std::chrono::seconds ttl) {
  std::vector<redis_command> cmds;
  cmds.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i)
    cmds.push_back({std::string("SET"), keys[i], values[i], std::string("NX"), std::string("GET"), std::string("EX"),
                    std::to_string(ttl.count())});
  auto r = co_await redis.pipeline(std::move(cmds));
  if (!r) co_return std::unexpected(r.error());
  std::vector<std::optional<std::string>> out;
  out.reserve(r->size());
  for (auto& v : *r) {
    if (v.type == redis_value::kind::nil) out.emplace_back();
    else if (v.type == redis_value::kind::string) out.emplace_back(std::move(v.str));
    else co_return std::unexpected(make_error_code(errc::redis_error));  // an error reply (e.g. WRONGTYPE)
  }
  co_return out;
}

boost::asio::awaitable<std::expected<std::vector<bool>, error_code>> owners_alive(
    redis_client& redis, std::string_view prefix, const std::vector<std::string>& owners) {
  std::vector<redis_command> cmds;
  for (const auto& o : owners) cmds.push_back({std::string("EXISTS"), alive_key(prefix, o)});
  auto r = co_await redis.pipeline(std::move(cmds));
  if (!r) co_return std::unexpected(r.error());
  std::vector<bool> out;
  for (auto& v : *r) {
    if (v.type != redis_value::kind::integer) co_return std::unexpected(make_error_code(errc::redis_error));
    out.push_back(v.integer != 0);
  }
  co_return out;
}

redis_command swap_command(const ledger_swap& s) {
  return {std::string("EVAL"), std::string(swap_script), std::string("1"), s.key, s.expected, s.replacement,
          std::to_string(s.ttl.count())};
}

boost::asio::awaitable<std::expected<std::vector<bool>, error_code>> ledger_swap_all(redis_client& redis,
                                                                                    std::vector<ledger_swap> swaps) {
  std::vector<redis_command> cmds;
  cmds.reserve(swaps.size());
  for (const auto& s : swaps) cmds.push_back(swap_command(s));
  auto r = co_await redis.pipeline(std::move(cmds));
  if (!r) co_return std::unexpected(r.error());
  std::vector<bool> out;
  for (auto& v : *r) {
    if (v.type != redis_value::kind::integer) co_return std::unexpected(make_error_code(errc::redis_error));
    out.push_back(v.integer == 1);
  }
  co_return out;
}

}  // namespace kizuna::store
