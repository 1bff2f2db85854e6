// A deadline for one connection's I/O, Asio's watchdog pattern: a single timer
// runs alongside the connection and calls on_expire (which cancels the socket)
// once the deadline passes. Moving the deadline costs only a store unless it moves
// before the time the timer is armed for; only then is the watchdog woken to
// re-arm. A session moves its deadline several times per message (command,
// policy lookup, DATA, delivery): a timer per operation, or a cancel per move,
// would cost a wake-up each.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>

namespace kizuna::smtp {

class deadline {
 public:
  using clock = std::chrono::steady_clock;

  explicit deadline(boost::asio::any_io_executor ex) : timer_(std::move(ex)) {}

  void expires_after(clock::duration d) { set(clock::now() + d); }
  void set(clock::time_point t) {
    at_ = t;
    if (t < armed_) timer_.cancel();
  }
  bool expired() const { return expired_; }
  // Ends watch(); the owner calls this when the connection is done.
  void stop() {
    stopped_ = true;
    timer_.cancel();
  }

  template <class OnExpire>
  boost::asio::awaitable<void> watch(OnExpire on_expire) {
    while (!stopped_) {
      armed_ = at_;
      timer_.expires_at(armed_);
      co_await timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
      if (stopped_) break;
      if (clock::now() >= at_) {
        expired_ = true;
        at_ = clock::time_point::max();
        on_expire();
      }
    }
  }

 private:
  boost::asio::steady_timer timer_;
  clock::time_point at_ = clock::time_point::max();     // the deadline
  clock::time_point armed_ = clock::time_point::max();  // when the timer fires (at_ or earlier)
  bool expired_ = false;
  bool stopped_ = false;
};

}  // namespace kizuna::smtp
