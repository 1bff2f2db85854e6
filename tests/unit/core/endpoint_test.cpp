#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include "relay/core/endpoint.hpp"

using kizuna::endpoint;
using kizuna::parse_endpoint;

BOOST_AUTO_TEST_CASE(tcp_host_port_parses) {
  auto ep = parse_endpoint("127.0.0.1:2525");
  BOOST_REQUIRE(ep);
  BOOST_TEST(ep->host == "127.0.0.1");
  BOOST_TEST(ep->port == 2525);
  BOOST_TEST(ep->to_string() == "127.0.0.1:2525");
}

BOOST_AUTO_TEST_CASE(ipv6_needs_brackets) {
  auto ep = parse_endpoint("[::1]:25");
  BOOST_REQUIRE(ep);
  BOOST_TEST(ep->host == "::1");
  BOOST_TEST(ep->to_string() == "[::1]:25");
  BOOST_TEST(!parse_endpoint("::1:25"));
}

BOOST_AUTO_TEST_CASE(unix_path_must_be_absolute) {
  auto ep = parse_endpoint("unix:/run/kizuna/lmtp.sock");
  BOOST_REQUIRE(ep);
  BOOST_TEST((ep->type == endpoint::kind::unix_socket));
  BOOST_TEST(ep->path == "/run/kizuna/lmtp.sock");
  BOOST_TEST(!parse_endpoint("unix:relative.sock"));
}

BOOST_AUTO_TEST_CASE(bad_ports_are_refused) {
  BOOST_TEST(!parse_endpoint("host:"));
  BOOST_TEST(!parse_endpoint("host:65536"));
  BOOST_TEST(!parse_endpoint("host:25x"));
  BOOST_TEST(!parse_endpoint(":25"));
  BOOST_TEST(!parse_endpoint("hostonly"));
}
