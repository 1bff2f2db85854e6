// A bounded pool of connections to the downstream MTA, one pool per I/O thread
// (shared-nothing). Connections are reused (the next transaction starts with
// RSET, pipelined with MAIL), never one per message. When all max_connections
// are busy, senders wait in FIFO order.
//
// A downstream restart costs no 4xx (the rules: smtp/connection_reuse.hpp).
// Before an idle connection is reused it is checked without blocking: one the
// server closed (end of input) or spoke on while idle (a 421 before closing)
// is dropped and the next idle one is checked, or a new one opened. A copy
// whose reused connection is lost before its final "." was written (the server
// closed it just after the check: end of input, a reset, or a 421 to the RSET
// or MAIL) is sent once more on a fresh connection, never on another idle
// one; nothing can have been accepted, so the retry cannot duplicate. From
// the write of the final "." on, a copy is never sent again here. Idle
// connections older than idle_timeout are closed rather than reused, below
// the usual server idle limits (Postfix smtpd: 300 s).
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
                                           const wire_copy& copy, commit_gate* gate) override;
  boost::asio::awaitable<void> close() override;

  static constexpr std::chrono::seconds idle_timeout{30};

 private:
  using connection = std::shared_ptr<smtp::client_connection>;
  // A usable connection or the reply explaining why none could be had;
  // `fresh`: a new connection, not an idle one (an idle one may give up its slot).
  boost::asio::awaitable<std::pair<connection, smtp::reply>> acquire(bool fresh);
  bool reusable(smtp::client_connection& c) const;
  void retire(connection c);  // an idle connection leaves the pool: QUIT if still usable
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
