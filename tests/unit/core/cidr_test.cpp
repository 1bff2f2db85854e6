#include <boost/test/unit_test.hpp>

#include "relay/core/cidr.hpp"

using kizuna::cidr;
using kizuna::parse_ip;

static bool in(const char* net, const char* ip) {
  auto c = cidr::parse(net);
  BOOST_REQUIRE_MESSAGE(c, net);
  auto a = parse_ip(ip);
  BOOST_REQUIRE_MESSAGE(a, ip);
  return c->contains(*a);
}

BOOST_AUTO_TEST_CASE(ipv4_prefixes_match_their_range) {
  BOOST_TEST(in("10.0.0.0/8", "10.255.1.2"));
  BOOST_TEST(!in("10.0.0.0/8", "11.0.0.1"));
  BOOST_TEST(in("192.168.1.0/23", "192.168.0.7"));
  BOOST_TEST(!in("192.168.1.0/24", "192.168.0.7"));
  BOOST_TEST(in("127.0.0.1", "127.0.0.1"));
  BOOST_TEST(!in("127.0.0.1", "127.0.0.2"));
  BOOST_TEST(in("0.0.0.0/0", "8.8.8.8"));
}

BOOST_AUTO_TEST_CASE(ipv6_and_mapped_addresses) {
  BOOST_TEST(in("::1/128", "::1"));
  BOOST_TEST(!in("::1/128", "::2"));
  BOOST_TEST(in("2001:db8::/32", "2001:db8:1::5"));
  BOOST_TEST(in("127.0.0.0/8", "::ffff:127.0.0.9"));
  // An IPv4 /0 must not swallow native IPv6 clients.
  BOOST_TEST(!in("0.0.0.0/0", "2001:db8::1"));
}

BOOST_AUTO_TEST_CASE(malformed_networks_are_refused) {
  BOOST_TEST(!cidr::parse("10.0.0.0/33"));
  BOOST_TEST(!cidr::parse("10.0.0/8"));
  BOOST_TEST(!cidr::parse("::1/129"));
  BOOST_TEST(!cidr::parse("example.com/8"));
  BOOST_TEST(!cidr::parse("10.0.0.0/"));
}
