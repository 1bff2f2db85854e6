// The connection watchdog: a deadline moved sooner than the armed timer fires at
// the new time; one moved later does not fire at the old time; stop() ends it.
// The times compared are milliseconds against minutes, so the outcome does not
// depend on scheduling; io.run() returns once the watchdog has stopped.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/test/unit_test.hpp>

#include "relay/smtp/deadline.hpp"

namespace asio = boost::asio;
using kizuna::smtp::deadline;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_CASE(a_deadline_moved_sooner_fires_at_the_new_time) {
  asio::io_context io;
  deadline d(io.get_executor());
  d.expires_after(10min);
  bool fired = false;
  asio::co_spawn(io, d.watch([&] {
    fired = true;
    d.stop();
  }), asio::detached);
  asio::steady_timer later(io, 20ms);  // the watchdog is armed for 10 minutes by then
  later.async_wait([&](auto) { d.expires_after(1ms); });
  const auto start = std::chrono::steady_clock::now();
  io.run_for(1min);
  BOOST_TEST(fired);
  BOOST_TEST(d.expired());
  BOOST_TEST((std::chrono::steady_clock::now() - start < 1min));
}

BOOST_AUTO_TEST_CASE(a_deadline_moved_later_does_not_fire_at_the_old_time) {
  asio::io_context io;
  deadline d(io.get_executor());
  d.expires_after(10ms);
  bool fired = false;
  asio::co_spawn(io, d.watch([&] { fired = true; }), asio::detached);
  d.expires_after(10min);  // a store only: the timer still wakes at 10 ms and re-arms
  bool checked = false;
  asio::steady_timer check(io, 200ms);
  check.async_wait([&](auto) {
    checked = true;
    BOOST_TEST(!fired);
    BOOST_TEST(!d.expired());
    d.stop();
  });
  io.run_for(1min);
  BOOST_TEST(checked);
  BOOST_TEST(!fired);
}
