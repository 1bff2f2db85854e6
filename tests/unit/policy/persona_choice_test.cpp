// choose_persona (SPEC §6 persona_assignment): header > sticky > contact field
// > default, ids that name no persona skipped, and when sticky is recorded.
#include <boost/test/unit_test.hpp>
#include <ostream>

#include "relay/policy/persona_choice.hpp"

using namespace kizuna::policy;

namespace kizuna::policy {
inline std::ostream& boost_test_print_type(std::ostream& os, persona_source s) { return os << to_string(s); }
}  // namespace kizuna::policy

namespace {

policy_set two_personas(bool sticky = true, bool header = true) {
  policy_set s;
  s.personas = {{"yamada", "山田 太郎", "yamada@example.co.jp", "", {}},
                {"sato", "佐藤 花子", "sato@example.co.jp", "", {}}};
  s.persona_assignment = persona_assignment_settings{"owner", header, "yamada", sticky};
  return s;
}

std::string id_of(const persona_choice& c) { return c.chosen ? c.chosen->id : "(none)"; }

// The choice points into the set: keep the set alive for the test's duration.
const policy_set& sticky_set() {
  static const policy_set s = two_personas(true, true);
  return s;
}
const policy_set& not_sticky_set() {
  static const policy_set s = two_personas(false, true);
  return s;
}
const policy_set& no_header_set() {
  static const policy_set s = two_personas(true, false);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(persona_choice_order)

BOOST_AUTO_TEST_CASE(no_personas_means_no_choice) {
  policy_set s;
  recipient_data d;
  d.contact["owner"] = "sato";
  auto c = choose_persona(s, std::string("sato"), d);
  BOOST_TEST(c.chosen == nullptr);
  BOOST_TEST(c.source == persona_source::none);
}

BOOST_AUTO_TEST_CASE(contact_field_chooses_and_is_recorded_when_sticky) {
  recipient_data d;
  d.contact["owner"] = "sato";
  auto c = choose_persona(sticky_set(), std::nullopt, d);
  BOOST_TEST(id_of(c) == "sato");
  BOOST_TEST(c.source == persona_source::contact_field);
  BOOST_TEST(c.record_sticky);
  BOOST_TEST(!c.replace_sticky);
  BOOST_TEST(!choose_persona(not_sticky_set(), std::nullopt, d).record_sticky);
}

BOOST_AUTO_TEST_CASE(sticky_wins_over_a_changed_owner_and_is_not_rewritten) {
  recipient_data d;
  d.contact["owner"] = "yamada";
  d.sticky_persona = "sato";
  auto c = choose_persona(sticky_set(), std::nullopt, d);
  BOOST_TEST(id_of(c) == "sato");
  BOOST_TEST(c.source == persona_source::sticky);
  BOOST_TEST(!c.record_sticky);
}

BOOST_AUTO_TEST_CASE(sticky_is_ignored_when_the_setting_is_off) {
  recipient_data d;
  d.contact["owner"] = "yamada";
  d.sticky_persona = "sato";
  BOOST_TEST(id_of(choose_persona(not_sticky_set(), std::nullopt, d)) == "yamada");
}

BOOST_AUTO_TEST_CASE(header_overrides_everything_when_allowed_and_is_never_recorded) {
  recipient_data d;
  d.contact["owner"] = "yamada";
  d.sticky_persona = "yamada";
  auto c = choose_persona(sticky_set(), std::string("sato"), d);
  BOOST_TEST(id_of(c) == "sato");
  BOOST_TEST(c.source == persona_source::header);
  BOOST_TEST(!c.record_sticky);
  BOOST_TEST(id_of(choose_persona(no_header_set(), std::string("sato"), d)) == "yamada");
}

BOOST_AUTO_TEST_CASE(default_applies_and_is_not_recorded) {
  recipient_data d;
  auto c = choose_persona(sticky_set(), std::nullopt, d);
  BOOST_TEST(id_of(c) == "yamada");
  BOOST_TEST(c.source == persona_source::fallback);
  BOOST_TEST(!c.record_sticky, "a contact without an owner keeps no persona: the CRM may assign one later");
}

BOOST_AUTO_TEST_CASE(unknown_ids_fall_through_and_are_reported) {
  recipient_data d;
  d.contact["owner"] = "suzuki";  // left the company
  auto c = choose_persona(sticky_set(), std::string("nobody"), d);
  BOOST_TEST(id_of(c) == "yamada");
  BOOST_REQUIRE(c.ignored.size() == 2u);
  BOOST_TEST(c.ignored[0] == "X-Kizuna-Persona 'nobody'");
  BOOST_TEST(c.ignored[1] == "contact.owner 'suzuki'");
}

BOOST_AUTO_TEST_CASE(a_stale_sticky_id_is_replaced_by_the_owner) {
  recipient_data d;
  d.contact["owner"] = "sato";
  d.sticky_persona = "removed";
  auto c = choose_persona(sticky_set(), std::nullopt, d);
  BOOST_TEST(id_of(c) == "sato");
  BOOST_TEST(c.record_sticky);
  BOOST_TEST(c.replace_sticky);
}

BOOST_AUTO_TEST_SUITE_END()
