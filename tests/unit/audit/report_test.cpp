// `kizuna audit report` logic. Opt-outs: a delivery after an address's or its
// domain's opt-out, for scope * or the copy's category, is a violation; anything
// before it, of another category, or not delivered is not; the earliest opt-out is
// named. Summary: counts per campaign and category, deferrals per rule,
// unsubscribes and 配信停止率 per category, as a table and as JSON.
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include "relay/audit/reader.hpp"
#include "relay/audit/report.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna::audit;
using namespace kizuna::audit::test;
using namespace std::chrono;

namespace {

constexpr std::int64_t optout_at = 1763823845;  // 2025-11-22T15:04:05Z
const system_clock::time_point before = system_clock::time_point(seconds(optout_at)) - 1h;
const system_clock::time_point after = system_clock::time_point(seconds(optout_at)) + 1h;

stored_record delivery(std::string rcpt, system_clock::time_point ts, std::string category = "newsletter") {
  stored_record r;
  r.ts = ts;
  r.ts_text = "2025-11-22T16:04:05.000Z";
  r.rcpt = std::move(rcpt);
  r.category = std::move(category);
  r.campaign = "spring";
  r.message_id = "<m1@example.org>";
  r.decision = action::relay;
  r.downstream_reply = "250 2.0.0 Ok";
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(optout_report)

// Issue 11: a copy whose write-ahead relay record has no outcome, or whose outcome
// is in doubt, may have been delivered and is reported as such; one with a 2xx
// outcome is a delivery; one refused, or never sent, is not.
BOOST_AUTO_TEST_CASE(intents_without_outcome_and_in_doubt_outcomes_are_possible_deliveries) {
  optout_index idx;
  idx.add_address("a@example.org", "*", optout_at);
  auto intent = [](std::string copy) {
    stored_record r = delivery("a@example.org", after);
    r.downstream_reply.clear();
    r.copy_id = std::move(copy);
    return r;
  };
  auto outcome = [](std::string copy, std::string reply, std::string rule = "") {
    stored_record r = delivery("a@example.org", after);
    r.decision = action::outcome;
    r.downstream_reply = std::move(reply);
    r.rule = std::move(rule);
    r.copy_id = std::move(copy);
    return r;
  };
  pending_copies pending;
  std::vector<stored_record> log = {intent("T-0"), outcome("T-0", "550 5.1.1 unknown"),    // refused
                                    intent("T-1"), outcome("T-1", "250 2.0.0 Ok"),         // delivered
                                    intent("T-2"),                                         // crash: no outcome
                                    intent("T-3"), outcome("T-3", "451 4.4.2 lost", std::string(in_doubt_rule)),
                                    intent("T-4"), outcome("T-4", "")};                     // not sent
  std::vector<std::string> violations;
  for (auto& r : log) {
    r.seq = violations.size() + 100;
    pending.add(r);
    if (auto m = idx.violated_by(r)) violations.push_back(r.copy_id + " " + format_violation(r, *m));
  }
  BOOST_TEST(!idx.violated_by(intent("T-9")).has_value());  // an intent alone is judged at the end
  const auto left = pending.left();
  BOOST_TEST_REQUIRE(left.size() == 1u);
  BOOST_TEST(left[0].copy_id == "T-2");
  BOOST_TEST(left[0].line.empty());
  auto m = idx.violated_by_copy(left[0]);
  BOOST_TEST_REQUIRE(m.has_value());
  violations.push_back(left[0].copy_id + " " + format_violation(left[0], *m));
  BOOST_TEST_REQUIRE(violations.size() == 3u);
  BOOST_TEST(violations[0].starts_with("T-1 a@example.org scope=*"));
  BOOST_TEST(!violations[0].ends_with("delivery=possible"));
  BOOST_TEST(violations[1].starts_with("T-3 "));
  BOOST_TEST(violations[1].ends_with(" delivery=possible"));
  BOOST_TEST(violations[2].starts_with("T-2 "));
  BOOST_TEST(violations[2].ends_with(" delivery=possible"));
}

BOOST_AUTO_TEST_CASE(the_summary_counts_a_copy_once_by_its_outcome) {
  summary s;
  stored_record intent = delivery("a@example.org", after);
  intent.downstream_reply.clear();
  intent.copy_id = "T-0";
  stored_record out = intent;
  out.decision = action::outcome;
  out.downstream_reply = "250 2.0.0 Ok";
  stored_record refused_intent = intent;
  refused_intent.copy_id = "T-1";
  stored_record refused = refused_intent;
  refused.decision = action::outcome;
  refused.downstream_reply = "550 5.1.1 unknown";
  for (const auto* r : {&intent, &out, &refused_intent, &refused}) s.add(*r);
  s.add(delivery("b@example.org", after));  // an older log's single relay record
  const campaign_counts& c = s.campaigns().at({"spring", "newsletter"});
  BOOST_TEST(c.relayed == 2u);
  BOOST_TEST(c.failed == 1u);
}

BOOST_AUTO_TEST_CASE(a_delivery_after_an_address_optout_is_a_violation) {
  optout_index idx;
  idx.add_address("a@example.org", "*", optout_at);
  auto m = idx.violated_by(delivery("a@example.org", after));
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->subject == "a@example.org");
  BOOST_TEST(m->scope == "*");
  BOOST_TEST(m->at == optout_at);
  BOOST_TEST(!idx.violated_by(delivery("a@example.org", before)).has_value());
  BOOST_TEST(!idx.violated_by(delivery("a@example.org", system_clock::time_point(seconds(optout_at)))).has_value());
  BOOST_TEST(idx.violated_by(delivery("a@example.org", system_clock::time_point(seconds(optout_at)) + 1ms)).has_value());
  BOOST_TEST(!idx.violated_by(delivery("b@example.org", after)).has_value());
  // "*" is strict: every category, transactional ones too.
  BOOST_TEST(idx.violated_by(delivery("a@example.org", after, "receipt")).has_value());
}

// Issue 10, defect 1: records of copies sent to "alice"@example.com (written
// before that spelling was known to be alice's mailbox) are deliveries to alice.
BOOST_AUTO_TEST_CASE(any_spelling_of_the_mailbox_in_a_record_is_a_violation) {
  optout_index idx;
  idx.add_address("alice@example.com", "*", optout_at);
  idx.add_domain("xn--bcher-kva.example", "*", optout_at);
  for (const char* rcpt : {"\"alice\"@example.com", "\"Alice\"@Example.Com", "\"al\\ice\"@example.com",
                           "ALICE@example.com", "\"bob\"@b\xc3\xbc" "cher.example"}) {
    auto m = idx.violated_by(delivery(rcpt, after));
    BOOST_TEST(m.has_value(), rcpt);
  }
  BOOST_TEST(!idx.violated_by(delivery("\"alice.x\"@example.com", after)).has_value());
}

BOOST_AUTO_TEST_CASE(only_deliveries_count) {
  optout_index idx;
  idx.add_address("a@example.org", "*", optout_at);
  stored_record r = delivery("a@example.org", after);
  for (action a : {action::drop, action::reject, action::defer, action::hold, action::unsubscribe, action::discard}) {
    r.decision = a;
    BOOST_TEST(!idx.violated_by(r).has_value(), to_string(a));
  }
  r.decision = action::relay;
  r.downstream_reply = "550 5.1.1 unknown user";
  BOOST_TEST(!idx.violated_by(r).has_value());
  r.decision = action::release;
  r.downstream_reply = "250 2.0.0 Ok";
  BOOST_TEST(idx.violated_by(r).has_value());
}

BOOST_AUTO_TEST_CASE(a_category_optout_applies_to_that_category_only) {
  optout_index idx;
  idx.add_address("a@example.org", "newsletter", optout_at);
  BOOST_TEST(idx.violated_by(delivery("a@example.org", after, "newsletter")).has_value());
  BOOST_TEST(!idx.violated_by(delivery("a@example.org", after, "step")).has_value());
}

BOOST_AUTO_TEST_CASE(a_domain_optout_covers_every_address_of_the_domain) {
  optout_index idx;
  idx.add_domain("blocked.example", "*", optout_at);
  auto m = idx.violated_by(delivery("anyone@blocked.example", after));
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->subject == "@blocked.example");
  BOOST_TEST(!idx.violated_by(delivery("anyone@sub.blocked.example", after)).has_value());
  BOOST_TEST(!idx.violated_by(delivery("blocked.example@other.example", after)).has_value());
}

BOOST_AUTO_TEST_CASE(the_earliest_applicable_optout_is_named) {
  optout_index idx;
  idx.add_address("a@example.org", "*", optout_at - 10);
  idx.add_address("a@example.org", "newsletter", optout_at - 100);
  idx.add_address("a@example.org", "step", optout_at - 1000);
  idx.add_domain("example.org", "*", optout_at - 50);
  auto m = idx.violated_by(delivery("a@example.org", after));
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->scope == "newsletter");
  BOOST_TEST(m->at == optout_at - 100);
  idx.add_domain("example.org", "*", optout_at - 500);  // the same scope again: the earlier time wins
  m = idx.violated_by(delivery("a@example.org", after));
  BOOST_TEST_REQUIRE(m.has_value());
  BOOST_TEST(m->subject == "@example.org");
  BOOST_TEST(m->at == optout_at - 500);
  BOOST_TEST(idx.entries() == 4u);
}

BOOST_AUTO_TEST_CASE(the_violation_line) {
  stored_record r = delivery("a@example.org", after);
  r.campaign = "";
  r.message_id = "<x y@example.org>";
  BOOST_TEST(format_violation(r, {"a@example.org", "*", optout_at}) ==
             "a@example.org scope=* opted_out_at=2025-11-22T15:04:05Z delivered_at=2025-11-22T16:04:05.000Z "
             "rcpt=a@example.org campaign=\"\" category=newsletter message_id=\"<x y@example.org>\"");
}

BOOST_AUTO_TEST_CASE(many_optouts_are_indexed) {
  optout_index idx;
  constexpr int n = 200000;
  for (int i = 0; i < n; ++i)
    idx.add_address("user" + std::to_string(i) + "@example.org", i % 3 ? "*" : "newsletter", optout_at + i);
  BOOST_TEST(idx.entries() == std::size_t(n));
  const auto later = system_clock::time_point(seconds(optout_at + n));
  int found = 0;
  for (int i = 0; i < n; i += 997) {
    auto m = idx.violated_by(delivery("user" + std::to_string(i) + "@example.org", later));
    BOOST_TEST_REQUIRE(m.has_value());
    BOOST_TEST(m->at == optout_at + i);
    ++found;
  }
  BOOST_TEST(found > 200);
  BOOST_TEST(!idx.violated_by(delivery("user" + std::to_string(n) + "@example.org", later)).has_value());
  BOOST_TEST(!idx.violated_by(delivery("user" + std::to_string(n - 1) + "@example.org", after)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(summary_report)

namespace {

struct summary_records {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "audit.jsonl";
  summary s;

  void add(std::string campaign, std::string category, action a, std::string rule = "", std::string reply = "") {
    record r = sample(0);
    r.campaign = std::move(campaign);
    r.category = std::move(category);
    r.decision = a;
    r.rule = std::move(rule);
    r.downstream_reply = std::move(reply);
    records.push_back(r);
  }
  std::vector<record> records;

  void build() {
    auto w = open_writer(path);
    BOOST_TEST_REQUIRE(!w->append_blocking(records));
    w->close();
    auto stats = scan_chain(path, [&](const stored_record& r) { s.add(r); }, [](const std::string& p) { BOOST_FAIL(p); });
    BOOST_TEST_REQUIRE(stats.has_value());
  }
};

struct summary_log : summary_records {
  summary_log() {
    for (int i = 0; i < 3; ++i) add("spring", "newsletter", action::relay, "", "250 2.0.0 Ok");
    add("spring", "newsletter", action::relay, "", "451 4.4.1 no answer");
    add("spring", "newsletter", action::drop, "builtin:optout");
    add("spring", "newsletter", action::hold, "deal-negotiating");
    add("spring", "newsletter", action::release, "deal-negotiating", "250 2.0.0 Ok");
    add("spring", "newsletter", action::defer, "newsletter-cap");
    add("spring", "newsletter", action::defer, "newsletter-cap");
    add("spring", "newsletter", action::defer, "quiet-hours");
    add("", "step", action::relay, "", "250 ok");
    add("", "step", action::reject, "builtin:optout");
    add("", "step", action::hold, "deal-negotiating");
    add("", "step", action::discard, "deal-negotiating");
    add("", "newsletter", action::unsubscribe);
    add("", "*", action::unsubscribe);
    build();
  }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(counts_per_campaign_and_category, summary_log) {
  BOOST_TEST(s.records() == 16u);
  BOOST_TEST_REQUIRE(s.campaigns().size() == 2u);
  const auto& spring = s.campaigns().at({"spring", "newsletter"});
  BOOST_TEST(spring.relayed == 4u);  // 3 relayed + 1 released
  BOOST_TEST(spring.failed == 1u);
  BOOST_TEST(spring.dropped == 1u);
  BOOST_TEST(spring.held == 1u);
  BOOST_TEST(spring.deferred == 3u);
  BOOST_TEST(spring.deferred_by_rule.at("newsletter-cap") == 2u);
  BOOST_TEST(spring.deferred_by_rule.at("quiet-hours") == 1u);
  const auto& step = s.campaigns().at({"", "step"});
  BOOST_TEST(step.relayed == 1u);
  BOOST_TEST(step.rejected == 1u);
  BOOST_TEST(step.held == 1u);
  BOOST_TEST(step.discarded == 1u);
  BOOST_TEST(!s.campaigns().contains({"", "newsletter"}), "unsubscribes are no campaign row");

  const auto& news = s.categories().at("newsletter");
  BOOST_TEST(news.relayed == 4u);
  BOOST_TEST(news.unsubscribes == 1u);
  BOOST_TEST(*news.unsubscribe_rate() == 0.25);
  BOOST_TEST(s.categories().at("step").unsubscribes == 0u);
  BOOST_TEST(*s.categories().at("step").unsubscribe_rate() == 0.0);
  BOOST_TEST(!s.categories().at("*").unsubscribe_rate().has_value());
}

BOOST_FIXTURE_TEST_CASE(the_json_form, summary_log) {
  BOOST_TEST(s.json() ==
             R"({"records":16,"campaigns":[)"
             R"({"campaign":"","category":"step","relayed":1,"failed":0,"dropped":0,"rejected":1,"deferred":0,)"
             R"("deferred_by_rule":{},"held":1,"discarded":1,"unsubscribes":0,"unsubscribe_rate":0},)"
             R"({"campaign":"spring","category":"newsletter","relayed":4,"failed":1,"dropped":1,"rejected":0,)"
             R"("deferred":3,"deferred_by_rule":{"newsletter-cap":2,"quiet-hours":1},"held":1,"discarded":0,)"
             R"("unsubscribes":0,"unsubscribe_rate":0}],)"
             R"("categories":[{"category":"*","relayed":0,"unsubscribes":1,"repeats":0,"unsubscribe_rate":null},)"
             R"({"category":"newsletter","relayed":4,"unsubscribes":1,"repeats":0,"unsubscribe_rate":0.25},)"
             R"({"category":"step","relayed":1,"unsubscribes":0,"repeats":0,"unsubscribe_rate":0}]})"
             "\n");
  boost::json::parse(s.json());  // valid JSON
}

BOOST_FIXTURE_TEST_CASE(the_table_form, summary_log) {
  const std::string t = s.table();
  BOOST_TEST(t.starts_with("CAMPAIGN              CATEGORY          RELAYED   FAILED  DROPPED  REJECTED  DEFERRED     HELD  DISCARDED\n"
                           "-                     step                    1        0        0         1         0        1          1\n"
                           "spring                newsletter              4        1        1         0         3        1          0\n"),
             t);
  BOOST_TEST(t.find("\nDeferred by rule:\n") != std::string::npos, t);
  BOOST_TEST(t.find("spring                newsletter        newsletter-cap                  2\n") != std::string::npos, t);
  BOOST_TEST(t.find("spring                newsletter        quiet-hours                     1\n") != std::string::npos, t);
  BOOST_TEST(t.find("CATEGORY          RELAYED  UNSUBSCRIBES  配信停止率\n"
                    "*                       0             1           -\n"
                    "newsletter              4             1      25.00%\n"
                    "step                    1             0       0.00%\n") != std::string::npos,
             t);
}

// A second click on the same link (HSETNX found the opt-out: rule
// builtin:already-opted-out) is no second unsubscribe; a version-2 link names the
// campaign of its copy, and the unsubscribe counts for that campaign's row.
BOOST_AUTO_TEST_CASE(repeats_are_not_counted_and_unsubscribes_go_to_their_campaign) {
  summary_records l;
  for (int i = 0; i < 4; ++i) l.add("spring", "newsletter", action::relay, "", "250 2.0.0 Ok");
  for (int i = 0; i < 2; ++i) l.add("autumn", "newsletter", action::relay, "", "250 2.0.0 Ok");
  l.add("spring", "newsletter", action::unsubscribe, "one-click");
  l.add("spring", "newsletter", action::unsubscribe, std::string(already_opted_out_rule));
  l.add("spring", "newsletter", action::unsubscribe, std::string(already_opted_out_rule));
  l.add("", "newsletter", action::unsubscribe, "mailto");  // an old link: the category only
  l.build();

  const auto& spring = l.s.campaigns().at({"spring", "newsletter"});
  BOOST_TEST(spring.unsubscribes == 1u);
  BOOST_TEST(*spring.unsubscribe_rate() == 0.25);
  const auto& autumn = l.s.campaigns().at({"autumn", "newsletter"});
  BOOST_TEST(autumn.unsubscribes == 0u);
  BOOST_TEST(*autumn.unsubscribe_rate() == 0.0);
  BOOST_TEST(!l.s.campaigns().contains({"", "newsletter"}), "an unattributed unsubscribe is no campaign row");
  const auto& news = l.s.categories().at("newsletter");
  BOOST_TEST(news.relayed == 6u);
  BOOST_TEST(news.unsubscribes == 2u);
  BOOST_TEST(news.repeats == 2u);
  BOOST_TEST(*news.unsubscribe_rate() == 2.0 / 6.0);

  const std::string t = l.s.table();
  BOOST_TEST(t.find("\nUnsubscribes by campaign:\n"
                    "CAMPAIGN              CATEGORY          RELAYED  UNSUBSCRIBES  配信停止率\n"
                    "autumn                newsletter              2             0       0.00%\n"
                    "spring                newsletter              4             1      25.00%\n") != std::string::npos,
             t);
  BOOST_TEST(t.find("newsletter              6             2      33.33%\n") != std::string::npos, t);
  const std::string j = l.s.json();
  BOOST_TEST(j.find(R"("discarded":0,"unsubscribes":1,"unsubscribe_rate":0.25})") != std::string::npos, j);
  BOOST_TEST(j.find(R"({"category":"newsletter","relayed":6,"unsubscribes":2,"repeats":2,)") != std::string::npos, j);
}

// An unsubscribe through a campaign whose copies are in another log (rotated
// away) still gets a row: counted, no rate.
BOOST_AUTO_TEST_CASE(an_unsubscribe_of_a_campaign_without_relayed_copies_has_no_rate) {
  summary_records l;
  l.add("winter", "newsletter", action::unsubscribe, "one-click");
  l.build();
  const auto& winter = l.s.campaigns().at({"winter", "newsletter"});
  BOOST_TEST(winter.unsubscribes == 1u);
  BOOST_TEST(!winter.unsubscribe_rate().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
