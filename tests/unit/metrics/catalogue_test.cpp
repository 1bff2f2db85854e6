// The catalogue (relay/metrics/catalogue.hpp): every family issue 13 asks for
// is declared with its help and type, built-in rules are always labelled, and
// build_info carries the version.
#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/metrics/catalogue.hpp"

using namespace kizuna::metrics;

BOOST_AUTO_TEST_SUITE(catalogue_families)

BOOST_AUTO_TEST_CASE(every_family_is_exposed_with_help_and_type) {
  registry r;
  const auto c = declare_catalogue(r, "0.1.0");
  BOOST_REQUIRE(r.set_values(c.listener, {"127.0.0.1:2525"}).has_value());
  const std::string out = r.scrape();
  for (std::string_view f : {"kizuna_build_info gauge", "kizuna_connections_total counter",
                             "kizuna_connections_active gauge", "kizuna_messages_received_total counter",
                             "kizuna_message_size_bytes histogram", "kizuna_recipients_total counter",
                             "kizuna_downstream_transactions_total counter",
                             "kizuna_downstream_transaction_duration_seconds histogram",
                             "kizuna_redis_command_duration_seconds histogram", "kizuna_redis_errors_total counter",
                             "kizuna_audit_append_duration_seconds histogram",
                             "kizuna_audit_fsync_duration_seconds histogram", "kizuna_audit_errors_total counter",
                             "kizuna_hold_queue_copies gauge", "kizuna_hold_queue_oldest_age_seconds gauge",
                             "kizuna_unsubscribe_requests_total counter", "kizuna_config_reloads_total counter",
                             "kizuna_config_last_reload_success_timestamp_seconds gauge",
                             "kizuna_dkim_signatures_total counter"})
    BOOST_TEST(out.find("# TYPE " + std::string(f) + "\n") != std::string::npos, f);
  BOOST_TEST(out.find("kizuna_build_info{version=\"0.1.0\"} 1\n") != std::string::npos);
  for (auto rule : builtin_rules)
    BOOST_TEST(out.find("kizuna_recipients_total{decision=\"defer\",rule=\"" + std::string(rule) + "\"} 0\n") !=
               std::string::npos);
  BOOST_TEST(out.find("kizuna_connections_total{listener=\"127.0.0.1:2525\",result=\"over_limit\"} 0\n") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(enum_indices_name_the_declared_values) {
  registry r;
  const auto c = declare_catalogue(r, "t");
  const auto rules = r.set_values(c.rule, {"newsletter-cap"});
  BOOST_REQUIRE(rules.has_value());
  auto& s = r.add_shard();
  s.inc(c.recipients, {index(decision::hold), (*rules)->slot("newsletter-cap")});
  s.inc(c.recipients, {index(decision::relay), rule_slot(**rules, "")});
  s.inc(c.recipients, {index(decision::reject), rule_slot(**rules, "builtin:optout")});
  s.inc(c.downstream_transactions, {index(reply_class::c4xx)});
  s.inc(c.unsubscribe_requests, {index(unsubscribe_route::mailto), index(unsubscribe_result::repeat)});
  s.inc(c.redis_errors, {index(redis_error::timeout)});
  s.inc(c.dkim_signatures, {index(dkim_result::no_key)});
  const std::string out = r.scrape();
  BOOST_TEST(out.find("kizuna_recipients_total{decision=\"hold\",rule=\"newsletter-cap\"} 1\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_recipients_total{decision=\"relay\",rule=\"builtin:default\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(out.find("kizuna_recipients_total{decision=\"reject\",rule=\"builtin:optout\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(out.find("kizuna_downstream_transactions_total{class=\"4xx\"} 1\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_unsubscribe_requests_total{route=\"mailto\",result=\"repeat\"} 1\n") !=
             std::string::npos);
  BOOST_TEST(out.find("kizuna_redis_errors_total{kind=\"timeout\"} 1\n") != std::string::npos);
  BOOST_TEST(out.find("kizuna_dkim_signatures_total{result=\"no_key\"} 1\n") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
