// The admin HTTP/1.1 server (SPEC §3 admin_http): /healthz, /metrics and the
// unsubscribe endpoint (handler.hpp), on its own thread and io_context, so a
// slow client or probe never delays mail. Boost.Beast; one coroutine per
// connection owning its stream and buffer; keep-alive. The thread counts on its
// own metrics shard (server_settings::recorder).
//
// Limits (limits.hpp): request headers 8 KiB (431), body 4 KiB (413), a
// deadline on every read and write (10 s; a read covers a whole request, so a
// slow client cannot hold a connection), 100 requests per connection, 256
// connections at once (beyond: 503 and close), a per-client rate limit on /u/.
// A malformed request gets 400 and the connection is closed.
//
// Lifecycle (daemon/server.cpp): bind() on the main thread (the real port is
// known at once: "admin http on HOST:PORT" is logged), start() after the
// workers, reload() on each accepted SIGHUP (new keys, Redis, downstream; the
// listen address is fixed until restart), stop() on SIGTERM: no new
// connections, idle ones closed, requests in progress finish (each bounded by
// its deadlines), then the Redis connection closes and the thread ends; join().
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <expected>
#include <list>
#include <memory>
#include <string>
#include <thread>

#include "relay/admin/backend.hpp"
#include "relay/admin/rate_limiter.hpp"
#include "relay/core/endpoint.hpp"
#include "relay/metrics/recorder.hpp"

namespace kizuna::admin {

// Everything the server needs from the daemon, for one config snapshot.
struct server_settings {
  config::snapshot cfg;                        // with admin_http set
  endpoint redis_address;                      // redis.address or the embedded server's socket
  std::string redis_password;
  std::shared_ptr<audit::log_writer> audit;    // the process's writer
  const metrics::registry* metrics = nullptr;  // served on /metrics (null: 404)
  metrics::recorder recorder{};                // the admin thread's shard (taken from the first settings)
};

class http_server {
 public:
  // Binds cfg->admin_http->listen; the error is one line for the operator.
  static std::expected<std::unique_ptr<http_server>, std::string> bind(server_settings s);
  ~http_server();  // stop() and join()
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  endpoint local_endpoint() const { return bound_; }
  void start();
  void reload(server_settings s);  // thread-safe (posts)
  void stop();                     // thread-safe (posts); idempotent
  void join();

 private:
  struct connection;
  explicit http_server(server_settings s);
  std::shared_ptr<const backend> build(server_settings s);
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket, std::string ip);
  void finish_if_drained();

  boost::asio::io_context ctx_{1};
  boost::asio::ip::tcp::acceptor acceptor_;
  endpoint bound_;
  std::shared_ptr<const backend> current_;
  metrics::recorder recorder_;
  rate_limiter limiter_;
  std::list<connection*> connections_;  // the running ones, for stop()
  std::size_t open_ = 0;                 // accepted and not yet ended (limits::max_connections)
  bool started_ = false;
  bool stopping_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace kizuna::admin
