// One I/O thread: its own io_context, its own acceptors (SO_REUSEPORT), its own
// Redis connection and downstream pool (shared-nothing, DESIGN.md). The
// "generation" is what a config snapshot builds on this thread; SIGHUP swaps in
// a new one, and sessions keep the one they started with until they end.
// The thread counts on its own metrics shard (metrics/recorder.hpp), bound when
// it starts: connections here, and whatever the code it runs counts.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <list>
#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include "relay/config/loader.hpp"
#include "relay/daemon/connection_limits.hpp"
#include "relay/audit/log_writer.hpp"
#include "relay/delivery/dispatcher.hpp"
#include "relay/delivery/hold_queue.hpp"
#include "relay/metrics/label_values.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/policy/model.hpp"
#include "relay/smtp/security.hpp"
#include "relay/smtp/server_session.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::daemon {

// What every thread needs to build a generation, resolved once by the server
// (on start and on each accepted reload), so files are read and checked once.
struct runtime_settings {
  config::snapshot cfg;
  std::shared_ptr<const policy::policy_set> policies;
  std::shared_ptr<const smtp::security> security;  // TLS contexts, AUTH credentials
  std::shared_ptr<audit::log_writer> audit;        // one per process, kept across reloads
  std::shared_ptr<const delivery::hold_queue> holds;
  std::shared_ptr<delivery::copy_signer> signer;   // DKIM signing threads, one set per process
  endpoint redis_address;   // the embedded server's socket or redis.address
  std::string redis_password;
  // The rule label values published for `policies`: held as long as a
  // generation built on them lives, so their metric slots stay theirs.
  std::shared_ptr<const metrics::label_values> rule_labels;
};

struct generation {
  runtime_settings rt;
  std::shared_ptr<store::redis_client> redis;
  std::shared_ptr<delivery::destination> destination;
  std::shared_ptr<delivery::dispatcher> dispatcher;
};

class worker {
 public:
  using acceptor = std::variant<boost::asio::ip::tcp::acceptor, boost::asio::local::stream_protocol::acceptor>;

  // listener_slots: each config listener's metrics label slot.
  worker(unsigned index, connection_limits& limits, metrics::recorder recorder,
         std::vector<std::uint32_t> listener_slots);
  ~worker();

  boost::asio::io_context& context() { return ctx_; }
  // Before start(): bind this thread's acceptors. Returns the bound endpoints
  // (the real port when 0 was asked); throws std::system_error on failure.
  std::vector<endpoint> bind(const config::settings& cfg, const std::vector<endpoint>& addresses);
  void start(runtime_settings rt);  // builds the first generation, starts the thread
  void reload(runtime_settings rt);  // posts a generation swap to the thread
  void stop(std::chrono::seconds drain);  // posts: stop accepting, drain, close
  void join();

 private:
  std::shared_ptr<generation> build(runtime_settings rt);
  boost::asio::awaitable<void> accept_loop(std::size_t listener_index);
  // Thread 0 only: keeps this process's alive key in Redis (store/delivery_ledger.hpp),
  // so other processes can tell its ledger reservations from a dead one's.
  boost::asio::awaitable<void> heartbeat();
  boost::asio::awaitable<void> serve(smtp::server_session::socket_type socket, std::size_t listener_index,
                                     std::string client_ip, std::string client_label);
  void finish_if_drained();
  void count_connection(std::size_t listener_index, metrics::connection_result result);

  unsigned index_;
  connection_limits& limits_;
  metrics::recorder recorder_;
  std::vector<std::uint32_t> listener_slots_;
  boost::asio::io_context ctx_{1};
  std::vector<acceptor> acceptors_;
  std::vector<std::size_t> acceptor_listener_;  // config listener index of each acceptor
  std::shared_ptr<generation> current_;
  std::list<smtp::server_session*> sessions_;
  std::unique_ptr<boost::asio::steady_timer> drain_timer_;
  std::unique_ptr<boost::asio::steady_timer> heartbeat_timer_;
  bool stopping_ = false;
  bool finished_ = false;
  std::thread thread_;
};

}  // namespace kizuna::daemon
