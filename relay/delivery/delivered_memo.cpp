#include "relay/delivery/delivered_memo.hpp"

#include "relay/core/sha256.hpp"
#include "relay/store/keys.hpp"
#include "relay/store/recipient_lookup.hpp"

namespace kizuna::delivery {

std::string message_digest(std::string_view mail_from, std::string_view message) {
  return sha256_hex({mail_from, "\n", message});
}

boost::asio::awaitable<std::expected<std::set<std::string>, error_code>> delivered_memo::recall(
    const std::string& digest) {
  // Commands are built outside co_await: GCC 12 miscompiles braced string
  // literals inside a coroutine's co_await expression.
  store::redis_command cmd{std::string("SMEMBERS"), store::delivered_key(prefix_, digest)};
  auto r = co_await redis_.command(std::move(cmd));
  if (!r) co_return std::unexpected(r.error());
  if (r->type != store::redis_value::kind::array) co_return std::unexpected(make_error_code(errc::redis_error));
  std::set<std::string> out;
  for (auto& e : r->elements) out.insert(e.str);
  co_return out;
}

boost::asio::awaitable<error_code> delivered_memo::remember(const std::string& digest,
                                                            const std::vector<std::string>& delivered,
                                                            const std::vector<std::string>& hint_addresses) {
  const std::string key = store::delivered_key(prefix_, digest);
  store::redis_command sadd{std::string("SADD"), key};
  sadd.insert(sadd.end(), delivered.begin(), delivered.end());
  std::vector<store::redis_command> cmds;
  cmds.push_back(std::move(sadd));
  cmds.push_back({std::string("EXPIRE"), key, std::to_string(ttl_s_)});
  store::append_retry_hint_commands(cmds, prefix_, hint_addresses, ttl_s_);
  auto r = co_await redis_.pipeline(std::move(cmds));
  if (!r) co_return r.error();
  for (auto& v : *r)
    if (v.is_error()) co_return make_error_code(errc::redis_error);
  co_return error_code{};
}

boost::asio::awaitable<error_code> delivered_memo::forget(const std::string& digest,
                                                          const std::vector<std::string>& recipients) {
  store::redis_command cmd{std::string("SREM"), store::delivered_key(prefix_, digest)};
  cmd.insert(cmd.end(), recipients.begin(), recipients.end());
  auto r = co_await redis_.command(std::move(cmd));
  if (!r) co_return r.error();
  co_return r->is_error() ? make_error_code(errc::redis_error) : error_code{};
}

}  // namespace kizuna::delivery
