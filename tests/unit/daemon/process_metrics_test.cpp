#define BOOST_TEST_MODULE daemon_metrics
// The process's metrics (process_metrics.hpp): recipients counted from audit
// records with the rule snapshot of the record's policy version, kinds that are
// not recipient decisions ignored, listener slots, reloads; the hold queue
// census (hold_census.hpp) from file names only.
#include <boost/test/unit_test.hpp>

#include <fstream>
#include <string>

#include "relay/daemon/hold_census.hpp"
#include "relay/daemon/process_metrics.hpp"
#include "tests/support/temp_dir.hpp"

using namespace kizuna;

namespace {

policy::policy_set policies_with(std::vector<std::string> ids, std::string version) {
  policy::policy_set p;
  for (auto& id : ids) p.rules.push_back(policy::rule{std::move(id), {}, {}, policy::action::drop, {}, 0});
  p.version = std::move(version);
  return p;
}

audit::record rec(audit::action a, std::string rule, std::string version) {
  audit::record r;
  r.decision = a;
  r.rule = std::move(rule);
  r.policy_version = std::move(version);
  return r;
}

bool has(const std::string& scrape, const std::string& line) { return scrape.find(line + "\n") != std::string::npos; }

// Binds a recorder to this thread for the test's duration (a test thread is
// not a counting thread otherwise).
struct bound_thread {
  explicit bound_thread(daemon::process_metrics& pm) { metrics::bind_this_thread(pm.new_thread_recorder()); }
  ~bound_thread() { metrics::bind_this_thread({}); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(only_recipient_decisions_are_counted) {
  using daemon::recipient_decision;
  BOOST_TEST((recipient_decision(audit::action::relay) == metrics::decision::relay));
  BOOST_TEST((recipient_decision(audit::action::drop) == metrics::decision::drop));
  BOOST_TEST((recipient_decision(audit::action::reject) == metrics::decision::reject));
  BOOST_TEST((recipient_decision(audit::action::defer) == metrics::decision::defer));
  BOOST_TEST((recipient_decision(audit::action::hold) == metrics::decision::hold));
  BOOST_TEST((recipient_decision(audit::action::bounce) == metrics::decision::bounce));
  for (auto name : {"unsubscribe", "release", "discard", "outcome"})
    if (auto a = audit::parse_action(name)) BOOST_TEST_CONTEXT(name) { BOOST_TEST(!recipient_decision(*a)); }
}

BOOST_AUTO_TEST_CASE(audit_records_count_recipients_by_decision_and_rule) {
  daemon::process_metrics pm("1.0");
  bound_thread bound(pm);
  auto v1 = pm.publish_rules(policies_with({"cap", "vip"}, "v1"));
  const auto count = pm.recipient_counter();
  count(rec(audit::action::relay, "", "v1"));  // no rule matched
  count(rec(audit::action::relay, "", "v1"));
  count(rec(audit::action::drop, "cap", "v1"));
  count(rec(audit::action::reject, "builtin:optout", "v1"));
  count(rec(audit::action::defer, "builtin:redis-unavailable", "v1"));
  count(rec(audit::action::unsubscribe, "one-click", ""));  // counted by kizuna_unsubscribe_requests_total
  const auto s = pm.registry().scrape();
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"relay\",rule=\"builtin:default\"} 2"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"drop\",rule=\"cap\"} 1"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"reject\",rule=\"builtin:optout\"} 1"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"defer\",rule=\"builtin:redis-unavailable\"} 1"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"hold\",rule=\"vip\"} 0"));  // pre-initialised
  BOOST_TEST(s.find("one-click") == std::string::npos);
}

// A record decided by a rule that a reload removed meanwhile lands on that
// rule's old slot, which has left the exposition: never on another rule's, and
// the slot starts from zero when a later rule takes it.
BOOST_AUTO_TEST_CASE(a_rule_removed_by_a_reload_never_counts_for_another_rule) {
  daemon::process_metrics pm("1.0");
  bound_thread bound(pm);
  auto old_rules = pm.publish_rules(policies_with({"old-rule", "kept"}, "v1"));  // held by the old generation
  auto new_rules = pm.publish_rules(policies_with({"kept", "new-rule"}, "v2"));
  const auto count = pm.recipient_counter();
  count(rec(audit::action::hold, "old-rule", "v1"));  // a transaction that started before the reload
  count(rec(audit::action::hold, "kept", "v1"));
  count(rec(audit::action::hold, "kept", "v2"));
  count(rec(audit::action::drop, "new-rule", "v2"));
  count(rec(audit::action::drop, "no-such-rule", "v2"));  // unknown: skipped (logged), never an abort
  count(rec(audit::action::drop, "new-rule", "v9"));      // unknown version: the current rules
  auto s = pm.registry().scrape();
  BOOST_TEST(s.find("old-rule") == std::string::npos);
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"hold\",rule=\"kept\"} 2"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"drop\",rule=\"new-rule\"} 2"));
  BOOST_TEST(s.find("no-such-rule") == std::string::npos);
  // The old generation ends; the next reload's new rule may take the freed slot.
  old_rules.reset();
  auto v3 = pm.publish_rules(policies_with({"kept", "new-rule", "fresh-rule"}, "v3"));
  s = pm.registry().scrape();
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"hold\",rule=\"fresh-rule\"} 0"));
  BOOST_TEST(has(s, "kizuna_recipients_total{decision=\"hold\",rule=\"kept\"} 2"));
}

BOOST_AUTO_TEST_CASE(listeners_get_their_slots_and_reloads_are_counted) {
  daemon::process_metrics pm("1.0");
  bound_thread bound(pm);
  config::settings cfg;
  cfg.listeners.resize(2);
  cfg.listeners[0].address = *parse_endpoint("127.0.0.1:2525");
  cfg.listeners[1].address = *parse_endpoint("unix:/run/kizuna/lmtp.sock");
  const auto published = pm.publish_listeners(cfg);
  BOOST_REQUIRE(published.has_value());
  const auto& slots = *published;
  BOOST_REQUIRE(slots.size() == 2u);
  BOOST_TEST(slots[0] != slots[1]);
  auto* m = metrics::this_thread();
  BOOST_REQUIRE(m);
  m->cells->inc(pm.ids().messages_received, {slots[1]}, 5);
  pm.count_reload(true);
  pm.count_reload(false);
  pm.count_reload(false);
  const auto s = pm.registry().scrape();
  BOOST_TEST(has(s, "kizuna_messages_received_total{listener=\"unix:/run/kizuna/lmtp.sock\"} 5"));
  BOOST_TEST(has(s, "kizuna_messages_received_total{listener=\"127.0.0.1:2525\"} 0"));
  BOOST_TEST(has(s, "kizuna_config_reloads_total{result=\"success\"} 1"));
  BOOST_TEST(has(s, "kizuna_config_reloads_total{result=\"failure\"} 2"));
  BOOST_TEST(s.find("kizuna_config_last_reload_success_timestamp_seconds 0\n") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(more_listeners_than_the_label_allows_is_a_startup_error) {
  daemon::process_metrics pm("1.0");
  config::settings cfg;
  for (std::uint32_t i = 0; i <= metrics::max_listeners; ++i) {
    cfg.listeners.emplace_back();
    cfg.listeners.back().address = *parse_endpoint("127.0.0.1:" + std::to_string(2000 + i));
  }
  const auto published = pm.publish_listeners(cfg);
  BOOST_REQUIRE(!published.has_value());
  BOOST_TEST(published.error().find("at most 64") != std::string::npos, published.error());
}

BOOST_AUTO_TEST_CASE(held_copy_names_carry_their_transaction_time) {
  BOOST_TEST((daemon::held_since("5F5E1000ABCDEF0123456789-0.held") == 0x5F5E1000));
  BOOST_TEST((daemon::held_since("693400001122334455000001-12.held") == 0x69340000));
  for (auto bad : {"5F5E1000ABCDEF0123456789-0.tmp", ".5F5E1000ABCDEF0123456789-0.tmp", "5f5e1000abcdef-0.held",
                   "XYZ.held", ".held", "5F5E1000.held"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!daemon::held_since(bad)); }
}

BOOST_AUTO_TEST_CASE(hold_census_counts_held_copies_and_finds_the_oldest) {
  test::temp_dir dir;
  BOOST_TEST(daemon::take_census(dir.path() / "missing").copies == 0u);
  BOOST_TEST(daemon::take_census(dir.path()).oldest_age(100) == 0.0);
  for (auto name : {"00000064AAAAAAAAAA000001-0.held", "00000032AAAAAAAAAA000002-1.held", "odd-name.held",
                    ".00000001AAAAAAAAAA000003-0.tmp"})
    std::ofstream(dir.path() / name) << "x";
  const auto c = daemon::take_census(dir.path());
  BOOST_TEST(c.copies == 3u);  // the temp file of a put() in progress is not a copy
  BOOST_TEST((c.oldest == 0x32));
  BOOST_TEST(c.oldest_age(0x32 + 75) == 75.0);
  BOOST_TEST(c.oldest_age(0x10) == 0.0);  // a clock behind the ids: never negative
}
