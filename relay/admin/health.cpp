#include "relay/admin/health.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "relay/admin/limits.hpp"

namespace kizuna::admin {
namespace asio = boost::asio;
using asio::ip::tcp;
using namespace asio::experimental::awaitable_operators;
namespace {

constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);

// "" when Redis answered PING with PONG, else why not.
asio::awaitable<std::string> check_redis(const backend& b) {
  store::redis_command ping;
  ping.emplace_back("PING");
  auto reply = co_await b.redis->command(std::move(ping));
  if (!reply) co_return fmt::format("redis: PING failed: {}", reply.error().message());
  if (reply->is_error()) co_return fmt::format("redis: PING answered {}", reply->str);
  if (reply->str != "PONG") co_return "redis: unexpected answer to PING";
  co_return "";
}

// Resolves and connects; "" on success. Cancelled by the caller's deadline.
asio::awaitable<std::string> connect_downstream(const std::string& host, uint16_t port) {
  auto ex = co_await asio::this_coro::executor;
  tcp::resolver resolver(ex);
  auto [rec, results] = co_await resolver.async_resolve(host, std::to_string(port), tuple_awaitable);
  if (rec) co_return fmt::format("downstream: cannot resolve {}: {}", host, rec.message());
  tcp::socket socket(ex);
  auto [cec, ep] = co_await asio::async_connect(socket, results, tuple_awaitable);
  if (cec) co_return fmt::format("downstream: cannot connect to {}:{}: {}", host, port, cec.message());
  boost::system::error_code ignored;
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
  co_return "";
}

asio::awaitable<std::string> check_downstream(const backend& b) {
  const auto& d = b.cfg->downstream;
  if (d.is_maildir()) {
    std::error_code ec;
    if (!std::filesystem::is_directory(d.maildir, ec))
      co_return fmt::format("downstream: maildir {} is not a directory", d.maildir.string());
    if (::access(d.maildir.c_str(), W_OK | X_OK) != 0)
      co_return fmt::format("downstream: maildir {} is not writable: {}", d.maildir.string(), std::strerror(errno));
    co_return "";
  }
  asio::steady_timer deadline(co_await asio::this_coro::executor, limits::downstream_probe_timeout);
  auto outcome = co_await (connect_downstream(d.host, d.port) || deadline.async_wait(tuple_awaitable));
  if (outcome.index() == 1)
    co_return fmt::format("downstream: no connection to {}:{} within {} s", d.host, d.port,
                          limits::downstream_probe_timeout.count());
  co_return std::get<0>(outcome);
}

}  // namespace

asio::awaitable<response> check_health(const backend& b) {
  auto [redis, downstream] = co_await (check_redis(b) && check_downstream(b));
  response r;
  if (redis.empty() && downstream.empty()) {
    r.body = "ok\n";
    co_return r;
  }
  r.status = 503;
  for (const auto* line : {&redis, &downstream})
    if (!line->empty()) r.body += *line + "\n";
  co_return r;
}

}  // namespace kizuna::admin
