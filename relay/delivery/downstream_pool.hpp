// A bounded pool of connections to the downstream MTA, one pool per I/O thread
// (shared-nothing). Connections are reused (the next transaction starts with
// RSET, pipelined with MAIL), never one per message. When all max_connections
// are busy, senders wait in FIFO order.
//
// A reused connection the server closed while idle fails before any reply;
// that copy is retried once on a fresh connection (nothing was accepted, so
// the retry cannot duplicate). Idle connections older than idle_timeout are
// closed rather than reused, below the usual server idle limits.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <vector>

#include "relay/delivery/destination.hpp"
#include "relay/smtp/client.hpp"

namespace kizuna::delivery {

class downstream_pool final : public destination {
 public:
  downstream_pool(boost::asio::any_io_executor ex, smtp::client_settings settings, unsigned max_connections);
  ~downstream_pool() override;

  boost::asio::awaitable<smtp::reply> send(const smtp::envelope& env, const std::string& recipient,
                                           const std::string& message) override;
  boost::asio::awaitable<void> close() override;

  static constexpr std::chrono::seconds idle_timeout{30};

 private:
  using connection = std::shared_ptr<smtp::client_connection>;
  // A usable connection or the reply explaining why none could be had.
  boost::asio::awaitable<std::pair<connection, smtp::reply>> acquire();
  void release(connection c);
  boost::asio::awaitable<std::pair<connection, smtp::reply>> connect();

  boost::asio::any_io_executor executor_;
  smtp::client_settings settings_;
  unsigned max_connections_;
  unsigned open_count_ = 0;  // idle + in use + connecting
  std::vector<connection> idle_;
  std::deque<boost::asio::steady_timer*> waiters_;  // woken (cancelled) when a slot frees up
  bool closed_ = false;
};

}  // namespace kizuna::delivery
