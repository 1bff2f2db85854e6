// Targeted tests of policy::load(): each decoded value, the defaults, what the
// rules need from Redis, load order across files and globs, the version hash,
// the nesting limit, and the shipped example policies. The wording of each
// kind of error is covered by the invalid fixtures (loader_fixtures_test.cpp).
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>
#include <openssl/evp.h>
#include <re2/re2.h>

#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "relay/policy/loader.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/policy/support.hpp"

namespace fs = std::filesystem;
using namespace kizuna::policy;
using kizuna::test::load_ok;
using kizuna::test::policy_fixtures;
using kizuna::test::printed;
using kizuna::test::source_dir;
using kizuna::test::temp_dir;
using kizuna::test::write_file;

namespace {

std::string fixture(const std::string& relative) { return (policy_fixtures() / relative).string(); }

std::vector<std::string> ids(const policy_set& set) {
  std::vector<std::string> out;
  for (const auto& r : set.rules) out.push_back(r.id);
  return out;
}

template <class T>
const T& as(const matcher& m) {
  BOOST_REQUIRE(std::holds_alternative<T>(m.kind));
  return std::get<T>(m.kind);
}

const rule& find_rule(const policy_set& set, const std::string& id) {
  for (const auto& r : set.rules)
    if (r.id == id) return r;
  BOOST_FAIL("no rule " + id);
  throw;  // not reached
}

// One rule with `match` in a file of its own; the loaded set.
snapshot with_matcher(const temp_dir& dir, const std::string& match) {
  const auto file = dir.path() / "rule.yaml";
  write_file(file, "rules:\n  - id: r\n    match: " + match + "\n    action: drop\n");
  return load_ok({file.string()});
}

std::string sha256_hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  BOOST_REQUIRE(EVP_Digest(bytes.data(), bytes.size(), digest, &size, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

std::string nested_not(int levels) {
  std::string m = "{ exclusion: complaint }";
  for (int i = 1; i < levels; ++i) m = "{ not: " + m + " }";
  return m;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_matcher_kind_decodes_to_its_model) {
  auto set = load_ok({fixture("valid/every_matcher.yaml")});
  BOOST_TEST(set->rules.size() == 15u);

  const auto& everything = find_rule(*set, "optout-everything");
  BOOST_TEST(everything.description == "opted out of all marketing mail");
  BOOST_TEST(as<optout_match>(everything.match).scope.value() == "*");
  BOOST_TEST((everything.action == action::reject));
  BOOST_TEST(!as<optout_match>(find_rule(*set, "optout-category").match).scope.has_value());

  const auto& complaint = find_rule(*set, "complaint-open");
  BOOST_TEST(as<exclusion_match>(complaint.match).name == "complaint");
  BOOST_TEST(complaint.description == "クレーム対応中は配信しない");
  BOOST_TEST((complaint.action == action::drop));
  BOOST_TEST(complaint.file == fixture("valid/every_matcher.yaml"));
  BOOST_TEST(complaint.line == 18);

  const auto& equals = as<field_match>(find_rule(*set, "deal.negotiating").match);
  BOOST_TEST(equals.field == "商談ステータス");
  BOOST_TEST((equals.operation == field_match::op::equals));
  BOOST_TEST(equals.values == std::vector<std::string>{"商談中"}, boost::test_tools::per_element());
  BOOST_TEST((find_rule(*set, "deal.negotiating").action == action::hold));

  const auto& in = as<field_match>(find_rule(*set, "region:west").match);
  BOOST_TEST(in.field == "region");
  BOOST_TEST((in.operation == field_match::op::in));
  BOOST_TEST(in.values == (std::vector<std::string>{"関西", "九州"}), boost::test_tools::per_element());

  const auto& exists = as<field_match>(find_rule(*set, "no_bounce").match);
  BOOST_TEST((exists.operation == field_match::op::exists));
  BOOST_TEST(exists.exists == false);

  const auto& matches = as<field_match>(find_rule(*set, "company-kabu").match);
  BOOST_TEST((matches.operation == field_match::op::matches));
  BOOST_REQUIRE(matches.regex);
  BOOST_TEST(re2::RE2::PartialMatch("株式会社きずな", *matches.regex));
  BOOST_TEST(re2::RE2::PartialMatch("(株)きずな", *matches.regex));
  BOOST_TEST(!re2::RE2::PartialMatch("きずな株式会社", *matches.regex));

  const auto& kinds = as<campaign_match>(find_rule(*set, "campaign-kinds").match);
  BOOST_TEST((kinds.which == campaign_match::part::category));
  BOOST_TEST(kinds.values == (std::vector<std::string>{"step", "trigger"}), boost::test_tools::per_element());
  const auto& one = as<campaign_match>(find_rule(*set, "campaign-one").match);
  BOOST_TEST((one.which == campaign_match::part::id));
  BOOST_TEST(one.values == std::vector<std::string>{"kansai-spring-2026"}, boost::test_tools::per_element());

  const auto& cap = as<sent_within_match>(find_rule(*set, "cap-newsletter").match);
  BOOST_TEST(cap.period.count() == 7 * 86400);
  BOOST_TEST(cap.at_least == 3u);
  BOOST_TEST(cap.category.value() == "newsletter");
  const auto& any_cap = as<sent_within_match>(find_rule(*set, "cap-any").match);
  BOOST_TEST(any_cap.period.count() == 12 * 3600);
  BOOST_TEST(any_cap.at_least == 1u);
  BOOST_TEST(!any_cap.category.has_value());

  const auto& quiet = as<local_time_match>(find_rule(*set, "quiet-hours").match);
  BOOST_TEST(quiet.from.count() == 21 * 60);
  BOOST_TEST(quiet.to.count() == 8 * 60);

  BOOST_TEST(as<consent_missing_match>(find_rule(*set, "consent-partner").match).scope.value() == "partner-offers");
  BOOST_TEST(!as<consent_missing_match>(find_rule(*set, "consent-category").match).scope.has_value());

  const auto& all = as<all_match>(find_rule(*set, "combined").match);
  BOOST_REQUIRE(all.items.size() == 2u);
  BOOST_TEST(as<campaign_match>(all.items[0]).values[0] == "newsletter");
  const auto& any = as<any_match>(all.items[1]);
  BOOST_REQUIRE(any.items.size() == 2u);
  BOOST_TEST(as<exclusion_match>(any.items[0]).name == "vip-only");
  const auto& negated = as<not_match>(any.items[1]);
  BOOST_REQUIRE(negated.item);
  BOOST_TEST(as<field_match>(*negated.item).field == "vip");
}

BOOST_AUTO_TEST_CASE(settings_decode) {
  auto set = load_ok({fixture("valid/every_matcher.yaml")});
  BOOST_TEST((set->transactional_categories == std::set<std::string>{"transactional", "receipt"}));
  BOOST_TEST(set->default_category == "newsletter");
  BOOST_TEST((set->optout_action == action::drop));
  BOOST_TEST(set->timezone_field == "tz");  // written contact.tz
  BOOST_TEST(set->default_timezone == "Asia/Tokyo");
}

BOOST_AUTO_TEST_CASE(a_file_of_comments_gets_every_default) {
  auto set = load_ok({fixture("valid/empty.yaml")});
  BOOST_TEST(set->rules.empty());
  BOOST_TEST(set->transactional_categories.empty());
  BOOST_TEST(set->default_category == "");
  BOOST_TEST((set->optout_action == action::reject));
  BOOST_TEST(set->timezone_field == "timezone");
  BOOST_TEST(set->default_timezone == "UTC");
  BOOST_TEST(set->longest_sent_period.count() == 0);
  BOOST_TEST(set->needs.contact);  // merge fields may appear in any message
  BOOST_TEST(!set->needs.sticky_persona);
  BOOST_TEST(!set->needs.exclusion);
  BOOST_TEST(!set->needs.consent);
  BOOST_TEST(!set->needs.sent);
}

BOOST_AUTO_TEST_CASE(personalization_sections_decode) {
  auto set = load_ok({fixture("valid/personas.yaml")});
  BOOST_REQUIRE(set->personas.size() == 2u);
  const auto& yamada = set->personas[0];
  BOOST_TEST(yamada.id == "yamada");
  BOOST_TEST(yamada.display_name == "山田 太郎（営業部）");
  BOOST_TEST(yamada.address == "yamada@example.co.jp");  // normalized
  BOOST_TEST(yamada.reply_to == "eigyo@example.co.jp");
  BOOST_TEST((yamada.fields == std::map<std::string, std::string>{{"title", "営業部 課長"},
                                                                  {"phone", "03-1234-5678"},
                                                                  {"署名", "山田 太郎\n株式会社サンプル 営業部\n"}}));
  const auto& sato = set->personas[1];
  BOOST_TEST(sato.id == "sato.hanako");
  BOOST_TEST(sato.display_name == "佐藤 花子（営業部）");
  BOOST_TEST(sato.reply_to == "");
  BOOST_TEST(sato.fields.empty());

  BOOST_REQUIRE(set->persona_assignment.has_value());
  BOOST_TEST(set->persona_assignment->from_field == "owner");  // written contact.owner
  BOOST_TEST(!set->persona_assignment->header);
  BOOST_TEST(set->persona_assignment->default_persona == "yamada");
  BOOST_TEST(set->persona_assignment->sticky);
  BOOST_TEST(set->needs.contact);  // the owner field is a contact field

  BOOST_TEST((set->merge.on_missing_field == missing_field_action::blank));
  BOOST_TEST(set->merge.require_unsubscribe_link);
  BOOST_TEST(set->merge.footer_text.find("配信停止: {{unsubscribe_url}}") != std::string::npos);
  BOOST_TEST(set->merge.footer_html.find("<a href=\"{{unsubscribe_url}}\">") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(personalization_defaults) {
  auto set = load_ok({fixture("valid/empty.yaml")});
  BOOST_TEST(set->personas.empty());
  BOOST_TEST(!set->persona_assignment.has_value());
  BOOST_TEST((set->merge.on_missing_field == missing_field_action::hold));
  BOOST_TEST(!set->merge.require_unsubscribe_link);
  BOOST_TEST(set->merge.footer_text == "");
  BOOST_TEST(set->merge.footer_html == "");

  temp_dir dir;
  const auto file = dir.path() / "p.yaml";
  write_file(file, "personas:\n  - {id: a, display_name: A, address: a@example.com}\n"
                   "persona_assignment: {default: a}\n");
  auto minimal = load_ok({file.string()});
  BOOST_REQUIRE(minimal->persona_assignment.has_value());
  BOOST_TEST(minimal->persona_assignment->from_field == "");
  BOOST_TEST(minimal->persona_assignment->header);
  BOOST_TEST(!minimal->persona_assignment->sticky);
  BOOST_TEST(!minimal->needs.sticky_persona);
  write_file(file, "personas:\n  - {id: a, display_name: A, address: a@example.com}\n"
                   "persona_assignment: {default: a, sticky: true}\n");
  BOOST_TEST(load_ok({file.string()})->needs.sticky_persona);  // persona:{addr} is fetched
}

BOOST_AUTO_TEST_CASE(the_default_persona_may_be_defined_in_another_file) {
  auto set = load_ok({fixture("valid/personas_split/*.yaml")});
  BOOST_REQUIRE(set->personas.size() == 1u);
  BOOST_TEST(set->persona_assignment->default_persona == "suzuki");
}

BOOST_AUTO_TEST_CASE(no_entries_load_an_empty_set) {
  auto set = load_ok({});
  BOOST_TEST(set->rules.empty());
  BOOST_TEST(set->version == sha256_hex(""));
}

BOOST_AUTO_TEST_CASE(needs_follow_the_matchers_used) {
  temp_dir dir;
  struct {
    const char* match;
    bool exclusion, consent, sent;
  } const cases[] = {
      {"{ optout: true }", false, false, false},
      {"{ campaign.id: x }", false, false, false},
      {"{ exclusion: complaint }", true, false, false},
      {"{ field: contact.region, exists: true }", false, false, false},
      {"{ local_time_between: [\"21:00\", \"08:00\"] }", false, false, false},
      {"{ consent_missing: true }", false, true, false},
      {"{ sent_within: { period: 1d } }", false, false, true},
      {"{ not: { any: [ { exclusion: a }, { all: [ { consent_missing: x } ] } ] } }", true, true, false},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.match) {
      auto set = with_matcher(dir, c.match);
      BOOST_TEST(set->needs.contact);  // always: merge fields and personas read it
      BOOST_TEST(set->needs.exclusion == c.exclusion);
      BOOST_TEST(set->needs.consent == c.consent);
      BOOST_TEST(set->needs.sent == c.sent);
    }
  }
  auto every = load_ok({fixture("valid/every_matcher.yaml")});
  BOOST_TEST((every->needs.contact && every->needs.exclusion && every->needs.consent && every->needs.sent));
}

BOOST_AUTO_TEST_CASE(longest_sent_period_is_the_longest_window_anywhere) {
  temp_dir dir;
  auto set = with_matcher(dir,
                          "{ any: [ { sent_within: { period: 1h } }, { not: { sent_within: { period: 30d } } },"
                          " { sent_within: { period: 2d, at_least: 5 } } ] }");
  BOOST_TEST(set->longest_sent_period.count() == 30 * 86400);
  BOOST_TEST(load_ok({fixture("valid/every_matcher.yaml")})->longest_sent_period.count() == 7 * 86400);
}

BOOST_AUTO_TEST_CASE(rules_from_a_glob_load_in_file_name_order) {
  auto set = load_ok({fixture("valid/ordered/*.yaml")});
  BOOST_TEST(ids(*set) == (std::vector<std::string>{"first", "second-a", "second-b", "third"}),
             boost::test_tools::per_element());
  BOOST_TEST(set->rules[0].file == fixture("valid/ordered/10-first.yaml"));
  BOOST_TEST(set->rules[0].line == 4);
  BOOST_TEST(set->rules[2].file == fixture("valid/ordered/20-second.yaml"));
  BOOST_TEST(set->rules[2].line == 5);
  BOOST_TEST(set->rules[3].file == fixture("valid/ordered/30-third.yaml"));
  // transactional is a union over files.
  BOOST_TEST((set->transactional_categories == std::set<std::string>{"transactional", "receipt"}));
}

BOOST_AUTO_TEST_CASE(entries_keep_their_order_and_a_file_named_twice_loads_once) {
  auto set = load_ok({fixture("valid/ordered/30-third.yaml"), fixture("valid/ordered/*.yaml"),
                      fixture("valid/ordered/10-first.yaml"), fixture("valid/ordered/../ordered/30-third.yaml")});
  BOOST_TEST(ids(*set) == (std::vector<std::string>{"third", "first", "second-a", "second-b"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_symlink_to_a_loaded_file_is_the_same_file) {
  temp_dir dir;
  write_file(dir.path() / "a.yaml", "rules:\n  - id: a\n    match: { exclusion: x }\n    action: drop\n");
  fs::create_symlink(dir.path() / "a.yaml", dir.path() / "b.yaml");
  auto set = load_ok({(dir.path() / "*.yaml").string()});
  BOOST_TEST(ids(*set) == std::vector<std::string>{"a"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(version_is_sha256_over_each_files_path_and_bytes) {
  temp_dir dir;
  const auto a = dir.path() / "10-a.yaml";
  const auto b = dir.path() / "20-b.yaml";
  const std::string a_text = "categories:\n  default: newsletter\n";
  const std::string b_text = "rules: []\n";
  write_file(a, a_text);
  write_file(b, b_text);
  const std::string nul(1, '\0');
  const auto expected = sha256_hex(a.string() + nul + a_text + nul + b.string() + nul + b_text + nul);

  const auto first = load_ok({(dir.path() / "*.yaml").string()})->version;
  BOOST_TEST(first == expected);
  BOOST_TEST(load_ok({(dir.path() / "*.yaml").string()})->version == first);  // same bytes, same version

  write_file(b, "rules: [ ]\n");  // one byte more
  BOOST_TEST(load_ok({(dir.path() / "*.yaml").string()})->version != first);
  write_file(b, b_text);
  BOOST_TEST(load_ok({(dir.path() / "*.yaml").string()})->version == first);

  // Order and names count too.
  BOOST_TEST(load_ok({b.string(), a.string()})->version != first);
  fs::rename(b, dir.path() / "30-b.yaml");
  BOOST_TEST(load_ok({(dir.path() / "*.yaml").string()})->version != first);
}

BOOST_AUTO_TEST_CASE(matchers_nest_up_to_16_levels) {
  temp_dir dir;
  auto set = with_matcher(dir, nested_not(16));
  BOOST_TEST(std::holds_alternative<not_match>(set->rules.at(0).match.kind));

  write_file(dir.path() / "rule.yaml", "rules:\n  - id: r\n    match: " + nested_not(17) + "\n    action: drop\n");
  auto loaded = load({(dir.path() / "rule.yaml").string()});
  BOOST_REQUIRE(!loaded.has_value());
  const auto lines = printed(loaded.error(), dir.path());
  BOOST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(lines[0].find("matchers nested deeper than 16 levels") != std::string::npos, lines[0]);
}

BOOST_AUTO_TEST_CASE(a_glob_that_catches_a_directory_reports_it) {
  temp_dir dir;
  fs::create_directory(dir.path() / "sub.yaml");
  auto loaded = load({(dir.path() / "*.yaml").string()});
  BOOST_REQUIRE(!loaded.has_value());
  BOOST_TEST(printed(loaded.error(), dir.path()) == std::vector<std::string>{"sub.yaml: cannot read: Is a directory"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(shipped_example_policies_say_what_their_comments_say) {
  auto set = load_ok({(source_dir() / "policies" / "*.yaml").string()});
  BOOST_TEST((set->transactional_categories == std::set<std::string>{"transactional", "receipt"}));
  BOOST_TEST(set->default_category == "newsletter");
  BOOST_TEST(set->default_timezone == "Asia/Tokyo");
  BOOST_TEST((set->optout_action == action::reject));
  BOOST_TEST(ids(*set) == (std::vector<std::string>{"complaint-open", "deal-negotiating", "newsletter-cap",
                                                    "quiet-hours", "kansai-only", "partner-offers-need-consent"}),
             boost::test_tools::per_element());
  std::vector<action> actions;
  for (const auto& r : set->rules) actions.push_back(r.action);
  BOOST_TEST((actions == std::vector<action>{action::drop, action::hold, action::drop, action::defer, action::drop,
                                             action::drop}));
  const auto& cap = as<sent_within_match>(as<all_match>(find_rule(*set, "newsletter-cap").match).items.at(1));
  BOOST_TEST(cap.period.count() == 7 * 86400);
  BOOST_TEST(cap.at_least == 3u);
  BOOST_TEST(set->longest_sent_period.count() == 7 * 86400);
  BOOST_TEST((set->needs.contact && set->needs.exclusion && set->needs.consent && set->needs.sent));
  BOOST_REQUIRE(set->personas.size() == 2u);
  BOOST_TEST(set->personas[0].display_name == "山田 太郎（営業部）");
  BOOST_TEST(set->personas[1].address == "sato@example.co.jp");
  BOOST_REQUIRE(set->persona_assignment.has_value());
  BOOST_TEST(set->persona_assignment->from_field == "owner");
  BOOST_TEST(set->persona_assignment->default_persona == "yamada");
  BOOST_TEST(set->persona_assignment->sticky);
  BOOST_TEST((set->merge.on_missing_field == missing_field_action::hold));
  BOOST_TEST(set->merge.footer_text.find("{{unsubscribe_url}}") != std::string::npos);
  BOOST_TEST(set->merge.footer_html.find("{{unsubscribe_url}}") != std::string::npos);
}
