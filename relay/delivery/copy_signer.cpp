#include "relay/delivery/copy_signer.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace kizuna::delivery {
namespace asio = boost::asio;

copy_signer::copy_signer(unsigned threads) : pool_(threads == 0 ? 1 : threads) {}

copy_signer::~copy_signer() {
  pool_.stop();
  pool_.join();
}

asio::awaitable<std::expected<std::string, std::string>> copy_signer::sign(
    std::string_view message, std::span<const dkim::signing_key* const> keys, dkim::sign_options options) {
  if (std::ranges::all_of(keys, [](const dkim::signing_key* k) { return k->key->alg() == dkim::algorithm::ed25519_sha256; }))
    co_return dkim::sign(message, keys, options);
  // co_spawn hands the result (or the exception) back on the caller's executor.
  auto task = [message, keys, options]() -> asio::awaitable<std::expected<std::string, std::string>> {
    co_return dkim::sign(message, keys, options);
  };
  co_return co_await asio::co_spawn(pool_.get_executor(), std::move(task), asio::use_awaitable);
}

}  // namespace kizuna::delivery
