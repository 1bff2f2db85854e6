#include <boost/test/unit_test.hpp>

#include "relay/admin/rate_limiter.hpp"

using namespace kizuna::admin;
using namespace std::chrono_literals;

namespace {
const rate_limiter::clock::time_point t0{};
}

BOOST_AUTO_TEST_CASE(burst_then_refusal_then_refill) {
  rate_limiter limiter(10, 20, 100);
  for (int i = 0; i < 20; ++i) BOOST_TEST(limiter.allow("192.0.2.1", t0));
  BOOST_TEST(!limiter.allow("192.0.2.1", t0));
  // 10 per second: after 100 ms one more, after a further 1 s ten more.
  BOOST_TEST(limiter.allow("192.0.2.1", t0 + 100ms));
  BOOST_TEST(!limiter.allow("192.0.2.1", t0 + 100ms));
  int allowed = 0;
  for (int i = 0; i < 30; ++i) allowed += limiter.allow("192.0.2.1", t0 + 1100ms);
  BOOST_TEST(allowed == 10);
}

BOOST_AUTO_TEST_CASE(clients_have_their_own_buckets) {
  rate_limiter limiter(10, 2, 100);
  BOOST_TEST(limiter.allow("a", t0));
  BOOST_TEST(limiter.allow("a", t0));
  BOOST_TEST(!limiter.allow("a", t0));
  BOOST_TEST(limiter.allow("b", t0));
}

BOOST_AUTO_TEST_CASE(table_is_bounded_idle_clients_are_forgotten_first) {
  rate_limiter limiter(10, 2, 3);
  for (auto c : {"a", "b", "c"}) BOOST_TEST(limiter.allow(c, t0));
  BOOST_TEST(!limiter.allow("d", t0), "full of active clients: a new one is refused");
  BOOST_TEST(limiter.tracked() == 3u);
  // After 200 ms every bucket is full again (idle): they make room.
  BOOST_TEST(limiter.allow("d", t0 + 200ms));
  BOOST_TEST(limiter.tracked() == 1u);
}

BOOST_AUTO_TEST_CASE(a_clock_going_back_grants_nothing) {
  rate_limiter limiter(10, 1, 10);
  BOOST_TEST(limiter.allow("a", t0 + 1s));
  BOOST_TEST(!limiter.allow("a", t0));
  BOOST_TEST(!limiter.allow("a", t0 + 1s));
}

BOOST_AUTO_TEST_CASE(client_key_groups_ipv6_by_64) {
  BOOST_TEST(client_key("192.0.2.7") == "192.0.2.7");
  BOOST_TEST(client_key("::ffff:192.0.2.7") == "192.0.2.7");
  BOOST_TEST(client_key("2001:db8:1:2:aaaa:bbbb:cccc:dddd") == "2001:db8:1:2::/64");
  BOOST_TEST(client_key("2001:db8:1:2::1") == client_key("2001:db8:1:2:ffff::9"));
  BOOST_TEST(client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1"));
}
