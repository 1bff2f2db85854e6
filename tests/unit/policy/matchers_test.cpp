// Each matcher on its own: yes / no / unknown, and what it leaves out of traces.
#include <re2/re2.h>

#include <boost/test/unit_test.hpp>

#include "tests/unit/policy/policy_builders.hpp"

using namespace kizuna::policy;
using namespace kizuna::policy::testing;
using namespace std::chrono_literals;

namespace {

matcher optout_any() { return m(optout_match{}); }
matcher optout_scope(std::string s) { return m(optout_match{std::move(s)}); }
matcher exclusion(std::string name) { return m(exclusion_match{std::move(name)}); }
matcher field(std::string name, field_match::op op, std::vector<std::string> values = {}, bool exists = true) {
  field_match f;
  f.field = std::move(name);
  f.operation = op;
  f.values = std::move(values);
  f.exists = exists;
  return m(std::move(f));
}
matcher field_regex(std::string name, const std::string& pattern) {
  field_match f;
  f.field = std::move(name);
  f.operation = field_match::op::matches;
  f.regex = std::make_shared<re2::RE2>(pattern);
  return m(std::move(f));
}
matcher category_in(std::vector<std::string> v) {
  return m(campaign_match{campaign_match::part::category, std::move(v)});
}
matcher id_in(std::vector<std::string> v) { return m(campaign_match{campaign_match::part::id, std::move(v)}); }
matcher sent_within(std::chrono::seconds period, unsigned at_least, std::optional<std::string> category = {}) {
  return m(sent_within_match{period, at_least, std::move(category)});
}
matcher consent_missing(std::optional<std::string> scope = {}) { return m(consent_missing_match{std::move(scope)}); }
matcher all(matcher_list items) { return m(all_match{std::move(items)}); }
matcher any(matcher_list items) { return m(any_match{std::move(items)}); }
matcher negate(matcher inner) { return m(not_match{std::make_shared<const matcher>(std::move(inner))}); }
matcher never() { return m(any_match{}); }
matcher unknown_at_rcpt() { return category_in({"newsletter"}); }

}  // namespace

BOOST_AUTO_TEST_SUITE(optout_matcher)

BOOST_AUTO_TEST_CASE(optout_true_matches_star_or_the_message_category) {
  fixture f;
  f.campaign("newsletter");
  f.data.optout["newsletter"] = "1700000000|crm|";
  BOOST_TEST(f.result(optout_any()) == tri::yes);
  f.data.optout = {{"step", "1|crm|"}};
  BOOST_TEST(f.result(optout_any()) == tri::no);
  f.data.optout = {{"*", "1|crm|"}};
  BOOST_TEST(f.result(optout_any()) == tri::yes);
  f.data.optout.clear();
  f.data.optout_domain = {{"newsletter", "1|admin|"}};
  BOOST_TEST(f.result(optout_any()) == tri::yes);
}

BOOST_AUTO_TEST_CASE(optout_true_has_no_transactional_exemption) {
  fixture f;
  f.policies.transactional_categories = {"receipt"};
  f.campaign("receipt");
  f.data.optout["*"] = "1|crm|";
  BOOST_TEST(f.result(optout_any()) == tri::yes);
}

BOOST_AUTO_TEST_CASE(optout_true_at_rcpt_time_is_yes_for_star_unknown_for_a_category_no_without_scopes) {
  fixture f;
  f.policies.transactional_categories = {"receipt"};  // no exemption here, so it does not matter
  BOOST_TEST(f.result(optout_any()) == tri::no);
  f.data.optout["newsletter"] = "1|crm|";
  BOOST_TEST(f.result(optout_any()) == tri::unknown);
  f.data.optout_domain["*"] = "1|admin|";
  BOOST_TEST(f.result(optout_any()) == tri::yes);
}

BOOST_AUTO_TEST_CASE(optout_scope_matches_that_scope_on_address_or_domain) {
  fixture f;
  f.campaign("step");  // the message's category plays no part
  BOOST_TEST(f.result(optout_scope("newsletter")) == tri::no);
  f.data.optout["newsletter"] = "1|crm|";
  BOOST_TEST(f.result(optout_scope("newsletter")) == tri::yes);
  f.data.optout.clear();
  f.data.optout_domain["newsletter"] = "1|admin|";
  BOOST_TEST(f.result(optout_scope("newsletter")) == tri::yes);
}

BOOST_AUTO_TEST_CASE(optout_scope_star_means_only_the_star_scope) {
  fixture f;
  f.data.optout["newsletter"] = "1|crm|";
  BOOST_TEST(f.result(optout_scope("*")) == tri::no);
  f.data.optout["*"] = "1|crm|";
  BOOST_TEST(f.result(optout_scope("*")) == tri::yes);
  // ...and "*" stored does not stand for a named scope.
  BOOST_TEST(f.result(optout_scope("step")) == tri::no);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(exclusion_matcher)

BOOST_AUTO_TEST_CASE(exclusion_absent_is_no) {
  fixture f;
  f.data.exclusion["other"] = "-|x";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::no);
}

BOOST_AUTO_TEST_CASE(exclusion_dash_is_indefinite) {
  fixture f;
  f.data.exclusion["complaint"] = "-|ticket 42";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::yes);
  f.data.exclusion["complaint"] = "-";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::yes);
  BOOST_TEST(!f.malformed);
}

BOOST_AUTO_TEST_CASE(exclusion_until_in_the_future_is_yes_expired_or_now_is_no) {
  fixture f;
  const auto now = epoch(f.in.now);
  f.data.exclusion["complaint"] = std::to_string(now + 1) + "|open";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::yes);
  f.data.exclusion["complaint"] = std::to_string(now) + "|open";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::no);
  f.data.exclusion["complaint"] = std::to_string(now - 86400) + "|closed";
  BOOST_TEST(f.result(exclusion("complaint")) == tri::no);
  f.data.exclusion["complaint"] = "99999999999999|far";  // beyond what nanoseconds hold
  BOOST_TEST(f.result(exclusion("complaint")) == tri::yes);
  BOOST_TEST(!f.malformed);
}

BOOST_AUTO_TEST_CASE(exclusion_malformed_until_is_flagged) {
  for (std::string bad : {"soon|x", "|x", "", " 5|x", "5 |x", "12a|x", "99999999999999999999999|x"}) {
    fixture f;
    f.data.exclusion["complaint"] = bad;
    BOOST_TEST(f.result(exclusion("complaint")) == tri::unknown, bad);
    BOOST_TEST(f.malformed.value_or("") == "malformed exclusion value", bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(field_matcher)

BOOST_AUTO_TEST_CASE(field_equals_compares_bytes_exactly) {
  fixture f;
  f.data.contact["deal_stage"] = "negotiating";
  BOOST_TEST(f.result(field("deal_stage", field_match::op::equals, {"negotiating"})) == tri::yes);
  BOOST_TEST(f.result(field("deal_stage", field_match::op::equals, {"Negotiating"})) == tri::no);
  BOOST_TEST(f.result(field("deal_stage", field_match::op::equals, {"negotiating "})) == tri::no);
  BOOST_TEST(f.result(field("missing", field_match::op::equals, {""})) == tri::no);
}

BOOST_AUTO_TEST_CASE(field_in_is_yes_for_any_listed_value) {
  fixture f;
  f.data.contact["地域"] = "関東";
  BOOST_TEST(f.result(field("地域", field_match::op::in, {"関西", "関東"})) == tri::yes);
  BOOST_TEST(f.result(field("地域", field_match::op::in, {"関西", "九州"})) == tri::no);
  BOOST_TEST(f.result(field("missing", field_match::op::in, {"関東"})) == tri::no);
}

BOOST_AUTO_TEST_CASE(field_exists_counts_empty_as_absent) {
  fixture f;
  f.data.contact["owner"] = "sato";
  f.data.contact["blank"] = "";
  BOOST_TEST(f.result(field("owner", field_match::op::exists, {}, true)) == tri::yes);
  BOOST_TEST(f.result(field("owner", field_match::op::exists, {}, false)) == tri::no);
  BOOST_TEST(f.result(field("blank", field_match::op::exists, {}, true)) == tri::no);
  BOOST_TEST(f.result(field("blank", field_match::op::exists, {}, false)) == tri::yes);
  BOOST_TEST(f.result(field("missing", field_match::op::exists, {}, true)) == tri::no);
  BOOST_TEST(f.result(field("missing", field_match::op::exists, {}, false)) == tri::yes);
}

BOOST_AUTO_TEST_CASE(field_matches_is_a_partial_re2_match) {
  fixture f;
  f.data.contact["company"] = "株式会社サンプル";
  BOOST_TEST(f.result(field_regex("company", "サンプル")) == tri::yes);
  BOOST_TEST(f.result(field_regex("company", "^サンプル")) == tri::no);
  BOOST_TEST(f.result(field_regex("missing", ".*")) == tri::no);
  BOOST_TEST(!f.malformed);
}

BOOST_AUTO_TEST_CASE(field_details_name_the_field_not_its_value) {
  fixture f;
  f.data.contact["deal_stage"] = "negotiating";
  const auto r = f.check(field("deal_stage", field_match::op::equals, {"negotiating"}));
  BOOST_TEST(r.detail == "contact.deal_stage equals");
  BOOST_TEST(f.check(field_regex("deal_stage", "nego")).detail == "contact.deal_stage matches");
  BOOST_TEST(f.check(field("deal_stage", field_match::op::in, {"negotiating"})).detail == "contact.deal_stage in");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(campaign_matcher)

BOOST_AUTO_TEST_CASE(campaign_is_unknown_before_data) {
  fixture f;
  BOOST_TEST(f.result(category_in({"newsletter"})) == tri::unknown);
  BOOST_TEST(f.result(id_in({"spring-sale"})) == tri::unknown);
}

BOOST_AUTO_TEST_CASE(campaign_category_is_yes_when_listed) {
  fixture f;
  f.campaign("newsletter");
  BOOST_TEST(f.result(category_in({"step", "newsletter"})) == tri::yes);
  BOOST_TEST(f.result(category_in({"step"})) == tri::no);
}

BOOST_AUTO_TEST_CASE(campaign_id_is_yes_when_present_and_listed) {
  fixture f;
  f.campaign("newsletter", "spring-sale");
  BOOST_TEST(f.result(id_in({"spring-sale"})) == tri::yes);
  BOOST_TEST(f.result(id_in({"autumn-sale"})) == tri::no);
  f.campaign("newsletter");
  BOOST_TEST(f.result(id_in({"spring-sale"})) == tri::no);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sent_within_matcher)

BOOST_AUTO_TEST_CASE(frequency_cap_at_its_boundary) {
  fixture f;
  const auto now = f.in.now;
  f.data.sent = {{now - 1h, "newsletter"}, {now - 24h, "newsletter"}};
  BOOST_TEST(f.result(sent_within(7 * 24h, 3)) == tri::no);  // at_least - 1
  f.data.sent.push_back({now - 6 * 24h, "newsletter"});
  BOOST_TEST(f.result(sent_within(7 * 24h, 3)) == tri::yes);  // exactly at_least
  f.data.sent.push_back({now - 30 * 24h, "newsletter"});
  BOOST_TEST(f.result(sent_within(7 * 24h, 4)) == tri::no);  // outside the period
}

BOOST_AUTO_TEST_CASE(frequency_cap_entry_exactly_at_now_minus_period_is_outside) {
  fixture f;
  const auto now = f.in.now;
  f.data.sent = {{now - 7 * 24h, "newsletter"}};
  BOOST_TEST(f.result(sent_within(7 * 24h, 1)) == tri::no);
  f.data.sent = {{now - 7 * 24h + 1s, "newsletter"}};
  BOOST_TEST(f.result(sent_within(7 * 24h, 1)) == tri::yes);
}

BOOST_AUTO_TEST_CASE(frequency_cap_counts_only_its_category_when_given) {
  fixture f;
  const auto now = f.in.now;
  f.data.sent = {{now - 1h, "newsletter"}, {now - 2h, "step"}, {now - 3h, "newsletter"}};
  BOOST_TEST(f.result(sent_within(24h, 3)) == tri::yes);
  BOOST_TEST(f.result(sent_within(24h, 3, "newsletter")) == tri::no);
  BOOST_TEST(f.result(sent_within(24h, 2, "newsletter")) == tri::yes);
  BOOST_TEST(f.check(sent_within(24h, 2, "newsletter")).detail == "sent 2 newsletter within 1d (at least 2)");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(consent_missing_matcher)

BOOST_AUTO_TEST_CASE(consent_missing_for_the_category_is_unknown_before_data) {
  fixture f;
  BOOST_TEST(f.result(consent_missing()) == tri::unknown);
}

BOOST_AUTO_TEST_CASE(consent_missing_for_the_category_accepts_the_category_or_star) {
  fixture f;
  f.campaign("newsletter");
  BOOST_TEST(f.result(consent_missing()) == tri::yes);
  f.data.consent["step"] = "1|form";
  BOOST_TEST(f.result(consent_missing()) == tri::yes);
  f.data.consent["newsletter"] = "1|form";
  BOOST_TEST(f.result(consent_missing()) == tri::no);
  f.data.consent = {{"*", "1|form"}};
  BOOST_TEST(f.result(consent_missing()) == tri::no);
}

BOOST_AUTO_TEST_CASE(consent_missing_with_explicit_scope_checks_that_key_only) {
  fixture f;  // campaign unknown: an explicit scope does not need it
  f.data.consent["*"] = "1|form";
  BOOST_TEST(f.result(consent_missing("newsletter")) == tri::yes);
  f.data.consent["newsletter"] = "1|form";
  BOOST_TEST(f.result(consent_missing("newsletter")) == tri::no);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(combinators)

BOOST_AUTO_TEST_CASE(not_flips_yes_and_no_and_keeps_unknown) {
  fixture f;
  BOOST_TEST(f.result(negate(always())) == tri::no);
  BOOST_TEST(f.result(negate(never())) == tri::yes);
  BOOST_TEST(f.result(negate(unknown_at_rcpt())) == tri::unknown);
}

BOOST_AUTO_TEST_CASE(all_is_no_on_any_no_else_unknown_on_any_unknown) {
  fixture f;
  BOOST_TEST(f.result(all({always(), always()})) == tri::yes);
  BOOST_TEST(f.result(all({unknown_at_rcpt(), never()})) == tri::no);
  BOOST_TEST(f.result(all({always(), unknown_at_rcpt()})) == tri::unknown);
  BOOST_TEST(f.result(all({})) == tri::yes);
}

BOOST_AUTO_TEST_CASE(any_is_yes_on_any_yes_else_unknown_on_any_unknown) {
  fixture f;
  BOOST_TEST(f.result(any({never(), never()})) == tri::no);
  BOOST_TEST(f.result(any({unknown_at_rcpt(), always()})) == tri::yes);
  BOOST_TEST(f.result(any({never(), unknown_at_rcpt()})) == tri::unknown);
  BOOST_TEST(f.result(any({})) == tri::no);
}

BOOST_AUTO_TEST_CASE(combinators_resolve_once_the_campaign_is_known) {
  fixture f;
  const auto rule = all({unknown_at_rcpt(), negate(exclusion("complaint"))});
  BOOST_TEST(f.result(rule) == tri::unknown);
  f.campaign("newsletter");
  BOOST_TEST(f.result(rule) == tri::yes);
  f.campaign("step");
  BOOST_TEST(f.result(rule) == tri::no);
}

BOOST_AUTO_TEST_CASE(combinators_flag_a_malformed_child_in_any_position) {
  fixture f;
  f.data.exclusion["complaint"] = "later|x";
  f.check(any({always(), exclusion("complaint")}));
  BOOST_TEST(f.malformed.has_value());
}

BOOST_AUTO_TEST_CASE(combinator_detail_lists_children_with_results) {
  fixture f;
  f.data.contact["vip"] = "yes";
  const auto r = f.check(any({field("vip", field_match::op::exists), negate(exclusion("complaint"))}));
  BOOST_TEST(r.detail == "any[contact.vip present: yes, not[exclusion complaint absent: no]: yes]");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(one_line_text)

BOOST_AUTO_TEST_CASE(one_line_replaces_controls_and_caps_on_a_character_boundary) {
  BOOST_TEST(one_line("a\r\nb\tc") == "a  b c");
  const std::string japanese = "配信停止配信停止";  // 3 bytes per character
  BOOST_TEST(one_line(japanese, 10) == "配信...");
  BOOST_TEST(one_line(japanese, 100) == japanese);
}

BOOST_AUTO_TEST_SUITE_END()
