#include <boost/test/unit_test.hpp>

#include "relay/admin/metrics_endpoint.hpp"
#include "relay/metrics/catalogue.hpp"

using namespace kizuna;

BOOST_AUTO_TEST_CASE(metrics_endpoint_serves_the_registry_as_text_format_0_0_4) {
  metrics::registry r;
  const auto c = metrics::declare_catalogue(r, "9.9.9");
  auto& s = r.add_shard();
  s.inc(c.config_reloads, {metrics::index(metrics::reload_result::failure)}, 3);
  admin::backend b;
  b.metrics = &r;
  const auto res = admin::scrape_metrics(b);
  BOOST_TEST(res.status == 200u);
  BOOST_TEST(res.content_type == "text/plain; version=0.0.4; charset=utf-8");
  BOOST_TEST(res.body.find("kizuna_config_reloads_total{result=\"failure\"} 3\n") != std::string::npos);
  BOOST_TEST(res.body.find("kizuna_build_info{version=\"9.9.9\"} 1\n") != std::string::npos);
  // Taken at each request: a later increment is in the next scrape.
  s.inc(c.config_reloads, {metrics::index(metrics::reload_result::failure)});
  BOOST_TEST(admin::scrape_metrics(b).body.find("kizuna_config_reloads_total{result=\"failure\"} 4\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(metrics_endpoint_without_a_registry_is_not_found) {
  admin::backend b;
  BOOST_TEST(admin::scrape_metrics(b).status == 404u);
}
