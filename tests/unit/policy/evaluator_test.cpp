// policy::evaluate: the built-in opt-out rule, first match wins, pending
// decisions at RCPT time, fail-closed defers, and the trace.
#define BOOST_TEST_MODULE policy_evaluator
#include <re2/re2.h>

#include <boost/test/unit_test.hpp>

#include "tests/unit/policy/policy_builders.hpp"

using namespace kizuna::policy;
using namespace kizuna::policy::testing;

namespace {

matcher exclusion(std::string name) { return m(exclusion_match{std::move(name)}); }
matcher category_in(std::vector<std::string> v) {
  return m(campaign_match{campaign_match::part::category, std::move(v)});
}
matcher never() { return m(any_match{}); }

std::vector<std::string> trace_ids(const decision& d) {
  std::vector<std::string> ids;
  for (const auto& s : d.trace) ids.push_back(s.rule_id);
  return ids;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(builtin_optout)

BOOST_AUTO_TEST_CASE(builtin_optout_comes_first_and_a_relay_everything_rule_cannot_disable_it) {
  fixture f;
  f.campaign("newsletter");
  f.add("relay-everything", always(), action::relay);
  f.data.optout["*"] = "1700000000|unsubscribe-link|clicked";
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::reject);
  BOOST_TEST(d.rule_id == builtin_optout_rule);
  BOOST_TEST(d.reason == "opted out (scope *, since 1700000000, source unsubscribe-link)");
  BOOST_TEST(trace_ids(d) == std::vector<std::string>{builtin_optout_rule}, boost::test_tools::per_element());
  BOOST_TEST(d.trace[0].result == tri::yes);
}

BOOST_AUTO_TEST_CASE(builtin_optout_action_follows_the_policy) {
  fixture f;
  f.campaign("newsletter");
  f.policies.optout_action = action::drop;
  f.data.optout["*"] = "1|crm|";
  BOOST_TEST(f.run().action == action::drop);
}

BOOST_AUTO_TEST_CASE(builtin_optout_is_first_in_the_trace_when_it_does_not_match) {
  fixture f;
  f.campaign("newsletter");
  f.add("r1", never());
  const auto d = f.run();
  BOOST_TEST(trace_ids(d) == (std::vector<std::string>{builtin_optout_rule, "r1"}), boost::test_tools::per_element());
  BOOST_TEST(d.trace[0].result == tri::no);
}

BOOST_AUTO_TEST_CASE(transactional_exemption_only_for_declared_categories) {
  fixture f;
  f.policies.transactional_categories = {"receipt"};
  f.data.optout["*"] = "1|crm|";
  f.campaign("receipt");
  const auto exempt = f.run();
  BOOST_TEST(exempt.action == action::relay);
  BOOST_TEST(exempt.trace[0].detail == "category receipt is transactional");
  // "transactional" is only a name: not declared here, so still subject to opt-out.
  f.campaign("transactional");
  BOOST_TEST(f.run().action == action::reject);
  f.campaign("");  // no category at all is not transactional either
  BOOST_TEST(f.run().action == action::reject);
}

BOOST_AUTO_TEST_CASE(without_declared_transactional_categories_every_category_is_subject) {
  fixture f;
  f.data.optout["*"] = "1|crm|";
  f.campaign("receipt");
  BOOST_TEST(f.run().action == action::reject);
}

BOOST_AUTO_TEST_CASE(optout_domain_blocks_every_address) {
  fixture f;
  f.campaign("newsletter");
  f.data.optout_domain["*"] = "1700000000|admin|";
  for (const char* address : {"alice@example.com", "bob@example.com"}) {
    f.in.address = address;
    const auto d = f.run();
    BOOST_TEST(d.action == action::reject);
    BOOST_TEST(d.reason == "domain opted out (scope *, since 1700000000, source admin)");
  }
}

BOOST_AUTO_TEST_CASE(category_optout_blocks_that_category_only) {
  fixture f;
  f.data.optout["newsletter"] = "1|crm|";
  f.campaign("newsletter");
  BOOST_TEST(f.run().action == action::reject);
  f.campaign("step");
  const auto other = f.run();
  BOOST_TEST(other.action == action::relay);
  BOOST_TEST(other.rule_id == "");
  f.campaign("");
  BOOST_TEST(f.run().action == action::relay);
}

BOOST_AUTO_TEST_CASE(optout_reason_is_one_short_line_without_the_free_text_reason) {
  fixture f;
  f.campaign("newsletter");
  f.data.optout["*"] = "1700000000|crm\r\n250 OK injected|private note about the customer";
  const auto d = f.run();
  BOOST_TEST(d.reason.find('\r') == std::string::npos);
  BOOST_TEST(d.reason.find('\n') == std::string::npos);
  BOOST_TEST(d.reason.find("private note") == std::string::npos);
  f.data.optout["*"] = "1700000000|" + std::string(5000, 'x') + "|";
  BOOST_TEST(f.run().reason.size() <= 200u);
}

BOOST_AUTO_TEST_CASE(missing_recipient_data_defers) {
  fixture f;
  f.campaign("newsletter");
  f.add("relay-everything", always(), action::relay);
  const auto d = evaluate(f.policies, f.in);  // in.data left null
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::defer);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rule_order)

BOOST_AUTO_TEST_CASE(first_matching_rule_wins) {
  fixture f;
  f.campaign("newsletter");
  f.add("no-1", never(), action::reject);
  f.add("first-yes", always(), action::drop);
  f.add("second-yes", always(), action::hold);
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::drop);
  BOOST_TEST(d.rule_id == "first-yes");
  BOOST_TEST(trace_ids(d) == (std::vector<std::string>{builtin_optout_rule, "no-1", "first-yes"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(no_matching_rule_relays) {
  fixture f;
  f.campaign("newsletter");
  f.add("a", never(), action::reject);
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::relay);
  BOOST_TEST(d.rule_id == "");
}

BOOST_AUTO_TEST_CASE(to_string_names_every_action) {
  BOOST_TEST(std::string(to_string(action::relay)) == "relay");
  BOOST_TEST(std::string(to_string(action::drop)) == "drop");
  BOOST_TEST(std::string(to_string(action::reject)) == "reject");
  BOOST_TEST(std::string(to_string(action::defer)) == "defer");
  BOOST_TEST(std::string(to_string(action::hold)) == "hold");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rcpt_time)

BOOST_AUTO_TEST_CASE(rcpt_time_is_pending_when_an_earlier_rule_needs_the_campaign) {
  fixture f;  // campaign not known
  f.add("newsletters-held", category_in({"newsletter"}), action::hold);
  f.add("complaint-open", exclusion("complaint"), action::drop);
  f.data.exclusion["complaint"] = "-|open";
  const auto d = f.run();
  BOOST_TEST(!d.final);
  BOOST_TEST(d.rule_id == "newsletters-held");
  BOOST_TEST(d.trace.back().result == tri::unknown);
  BOOST_TEST(trace_ids(d).size() == 2u);  // stops at the pending rule
  // After DATA the same recipient gets a final answer.
  f.campaign("step");
  const auto after = f.run();
  BOOST_TEST(after.final);
  BOOST_TEST(after.action == action::drop);
}

BOOST_AUTO_TEST_CASE(rcpt_time_is_final_when_decided_before_any_campaign_rule) {
  fixture f;
  f.add("complaint-open", exclusion("complaint"), action::drop);
  f.add("newsletters-held", category_in({"newsletter"}), action::hold);
  f.data.exclusion["complaint"] = "-|open";
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::drop);
}

BOOST_AUTO_TEST_CASE(rcpt_time_is_final_relay_when_no_rule_needs_the_campaign) {
  fixture f;
  f.add("complaint-open", exclusion("complaint"), action::drop);
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::relay);
}

BOOST_AUTO_TEST_CASE(rcpt_time_builtin_optout_all_marketing_star_is_final) {
  fixture f;  // no transactional categories: all mail is marketing
  f.data.optout["*"] = "1|crm|";
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::reject);
}

BOOST_AUTO_TEST_CASE(rcpt_time_builtin_optout_for_a_category_is_pending) {
  fixture f;
  f.data.optout["newsletter"] = "1|crm|";
  const auto d = f.run();
  BOOST_TEST(!d.final);
  BOOST_TEST(d.rule_id == builtin_optout_rule);
}

BOOST_AUTO_TEST_CASE(rcpt_time_builtin_optout_is_pending_when_the_message_may_be_transactional) {
  fixture f;
  f.policies.transactional_categories = {"receipt"};
  f.data.optout["*"] = "1|crm|";
  BOOST_TEST(!f.run().final);
  f.data.optout.clear();
  f.data.optout_domain["newsletter"] = "1|admin|";
  BOOST_TEST(!f.run().final);
  f.data.optout_domain.clear();
  BOOST_TEST(f.run().final);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exclusions)

BOOST_AUTO_TEST_CASE(expired_exclusion_is_ignored) {
  fixture f;
  f.add("complaint-open", exclusion("complaint"), action::drop);
  f.data.exclusion["complaint"] = std::to_string(epoch(f.in.now) - 3600) + "|closed";
  BOOST_TEST(f.run().action == action::relay);
}

BOOST_AUTO_TEST_CASE(indefinite_exclusion_applies) {
  fixture f;
  f.add("complaint-open", exclusion("complaint"), action::drop);
  f.data.exclusion["complaint"] = "-|open";
  const auto d = f.run();
  BOOST_TEST(d.action == action::drop);
  BOOST_TEST(d.trace.back().detail == "exclusion complaint until -");
}

BOOST_AUTO_TEST_CASE(malformed_exclusion_until_defers_fail_closed) {
  fixture f;
  f.campaign("newsletter");
  f.add("complaint-open", m(any_match{{exclusion("complaint"), always()}}), action::relay);
  f.data.exclusion["complaint"] = "tomorrow|open";
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::defer);
  BOOST_TEST(d.rule_id == "complaint-open");
  BOOST_TEST(d.reason == "malformed exclusion value");
}

BOOST_AUTO_TEST_CASE(malformed_exclusion_in_a_rule_never_reached_does_not_matter) {
  fixture f;
  f.add("everyone", always(), action::hold);
  f.add("complaint-open", exclusion("complaint"), action::drop);
  f.data.exclusion["complaint"] = "tomorrow|open";
  BOOST_TEST(f.run().action == action::hold);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(trace)

BOOST_AUTO_TEST_CASE(trace_lists_every_evaluated_rule_in_order) {
  fixture f;
  f.campaign("newsletter");
  f.add("a", never());
  f.add("b", exclusion("complaint"));
  f.add("c", category_in({"step"}));
  f.add("d", category_in({"newsletter"}), action::drop);
  f.add("e", always());
  const auto d = f.run();
  BOOST_TEST(trace_ids(d) == (std::vector<std::string>{builtin_optout_rule, "a", "b", "c", "d"}),
             boost::test_tools::per_element());
  std::vector<tri> results;
  for (const auto& s : d.trace) results.push_back(s.result);
  BOOST_TEST(results == (std::vector<tri>{tri::no, tri::no, tri::no, tri::no, tri::yes}),
             boost::test_tools::per_element());
  for (const auto& s : d.trace) BOOST_TEST(!s.detail.empty(), s.rule_id);
}

BOOST_AUTO_TEST_CASE(trace_holds_no_contact_field_values) {
  fixture f;
  f.campaign("newsletter");
  f.data.contact = {{"deal_stage", "secret-negotiation"}, {"company", "株式会社ひみつ"}, {"owner", "sato-private"}};
  auto equals = field_match{};
  equals.field = "deal_stage";
  equals.values = {"other-stage"};
  auto in = field_match{};
  in.field = "owner";
  in.operation = field_match::op::in;
  in.values = {"tanaka"};
  auto matches = field_match{};
  matches.field = "company";
  matches.operation = field_match::op::matches;
  matches.regex = std::make_shared<re2::RE2>("ひみつ");
  f.add("stage", m(equals));
  f.add("owner", m(any_match{{m(in), m(not_match{std::make_shared<const matcher>(m(in))})}}), action::hold);
  f.add("company", m(matches), action::drop);
  const auto d = f.run();
  BOOST_TEST(d.rule_id == "owner");
  for (const auto& s : d.trace) {
    for (const char* value : {"secret-negotiation", "ひみつ", "sato-private"}) {
      BOOST_TEST(s.detail.find(value) == std::string::npos, s.detail);
    }
  }
  BOOST_TEST(d.trace[1].detail == "contact.deal_stage equals");
  BOOST_TEST(d.reason.find("sato-private") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
