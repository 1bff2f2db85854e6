#define BOOST_TEST_MODULE admin
#include <boost/test/unit_test.hpp>

#include "relay/admin/routes.hpp"

using namespace kizuna::admin;

BOOST_AUTO_TEST_CASE(healthz_and_unsubscribe_paths_are_routed) {
  BOOST_TEST((match_route("/healthz").kind == route_kind::healthz));
  BOOST_TEST((match_route("/healthz?verbose=1").kind == route_kind::healthz));
  auto u = match_route("/u/AbC-_9?utm_source=x");
  BOOST_TEST((u.kind == route_kind::unsubscribe));
  BOOST_TEST(u.token == "AbC-_9");
}

BOOST_AUTO_TEST_CASE(metrics_path_is_routed_query_ignored) {
  BOOST_TEST((match_route("/metrics").kind == route_kind::metrics));
  BOOST_TEST((match_route("/metrics?name[]=kizuna_build_info").kind == route_kind::metrics));
}

BOOST_AUTO_TEST_CASE(everything_else_is_not_found) {
  for (auto t : {"/", "/healthz/", "/u/", "/u", "/u/a/b", "/U/abc", "/metrics/", "/Metrics", "/metricsx",
                 "http://x/u/abc", "*", ""})
    BOOST_TEST_CONTEXT(t) { BOOST_TEST((match_route(t).kind == route_kind::not_found)); }
}

BOOST_AUTO_TEST_CASE(methods_per_route) {
  BOOST_TEST(method_allowed(route_kind::healthz, "GET"));
  BOOST_TEST(method_allowed(route_kind::healthz, "HEAD"));
  BOOST_TEST(!method_allowed(route_kind::healthz, "POST"));
  BOOST_TEST(method_allowed(route_kind::unsubscribe, "POST"));
  BOOST_TEST(method_allowed(route_kind::unsubscribe, "GET"));
  BOOST_TEST(!method_allowed(route_kind::unsubscribe, "PUT"));
  BOOST_TEST(!method_allowed(route_kind::unsubscribe, "DELETE"));
  BOOST_TEST(allowed_methods(route_kind::unsubscribe) == "GET, HEAD, POST");
  BOOST_TEST(allowed_methods(route_kind::healthz) == "GET, HEAD");
}

BOOST_AUTO_TEST_CASE(metrics_is_read_only) {
  BOOST_TEST(method_allowed(route_kind::metrics, "GET"));
  BOOST_TEST(method_allowed(route_kind::metrics, "HEAD"));
  for (auto m : {"POST", "PUT", "DELETE", "OPTIONS", "get"})
    BOOST_TEST_CONTEXT(m) { BOOST_TEST(!method_allowed(route_kind::metrics, m)); }
  BOOST_TEST(allowed_methods(route_kind::metrics) == "GET, HEAD");
}
