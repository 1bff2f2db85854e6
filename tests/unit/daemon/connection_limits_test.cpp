// Connection slots (connection_limits.hpp): clients refused at the greeting have
// a pool of their own, so however many of them are connected, allowed clients
// still get max_connections slots; each pool gives its slots back.
#include <boost/test/unit_test.hpp>

#include <vector>

#include "relay/daemon/connection_limits.hpp"

using kizuna::daemon::connection_limits;
using pool = connection_limits::pool;

BOOST_AUTO_TEST_CASE(refused_clients_never_take_a_client_slot) {
  connection_limits limits;
  limits.set(2, 2, 60);
  std::vector<connection_limits::ticket> refused;
  for (int i = 0; i < 60; ++i) {
    auto t = limits.acquire("192.0.2.7", pool::refused);
    BOOST_REQUIRE(t.has_value());
    refused.push_back(std::move(*t));
  }
  BOOST_TEST(!limits.acquire("192.0.2.8", pool::refused).has_value());  // the refused pool is full
  auto a = limits.acquire("127.0.0.1");
  auto b = limits.acquire("127.0.0.1");
  BOOST_TEST(a.has_value());
  BOOST_TEST(b.has_value());
  BOOST_TEST(!limits.acquire("127.0.0.2").has_value());  // max_connections
}

BOOST_AUTO_TEST_CASE(a_refused_slot_comes_back_when_its_ticket_ends) {
  connection_limits limits;
  limits.set(10, 10, 1);
  {
    auto t = limits.acquire("192.0.2.7", pool::refused);
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST(!limits.acquire("192.0.2.7", pool::refused).has_value());
  }
  BOOST_TEST(limits.acquire("192.0.2.7", pool::refused).has_value());
}

BOOST_AUTO_TEST_CASE(zero_refused_slots_closes_every_refused_client_at_once) {
  connection_limits limits;
  limits.set(10, 10, 0);
  BOOST_TEST(!limits.acquire("192.0.2.7", pool::refused).has_value());
  BOOST_TEST(limits.acquire("127.0.0.1").has_value());
}

BOOST_AUTO_TEST_CASE(per_client_limit_counts_one_ip_and_frees_on_release) {
  connection_limits limits;
  limits.set(10, 2, 10);
  auto a = limits.acquire("127.0.0.1");
  {
    auto b = limits.acquire("127.0.0.1");
    BOOST_REQUIRE(b.has_value());
    BOOST_TEST(!limits.acquire("127.0.0.1").has_value());
    BOOST_TEST(limits.acquire("127.0.0.3").has_value());  // another IP is not affected
  }
  BOOST_TEST(limits.acquire("127.0.0.1").has_value());
}
