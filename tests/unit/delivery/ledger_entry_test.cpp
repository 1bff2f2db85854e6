// The delivery ledger's pure part (relay/delivery/ledger_entry): the stored value
// round trips whatever the fields hold, malformed values are refused rather than
// guessed, and judge() never sends a pair that may already have been accepted.
#include <boost/test/unit_test.hpp>
#include <random>
#include <string>

#include "relay/delivery/ledger_entry.hpp"

using namespace kizuna::delivery;

namespace {

constexpr ledger_state all_states[] = {ledger_state::reserved,  ledger_state::committing, ledger_state::delivered,
                                       ledger_state::refused,   ledger_state::held,       ledger_state::in_doubt};

std::string random_text(std::mt19937& rng, std::size_t max, bool allow_bar) {
  static constexpr std::string_view alphabet = "abcXYZ019-_./@ |\xe3\x81\x82";
  std::string s(rng() % (max + 1), ' ');
  for (char& c : s) {
    c = alphabet[rng() % alphabet.size()];
    if (!allow_bar && c == '|') c = '-';
  }
  return s;
}

}  // namespace

BOOST_AUTO_TEST_CASE(value_round_trips_for_random_entries) {
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; ++i) {
    ledger_entry e;
    e.state = all_states[rng() % 6];
    e.owner = needs_owner(e) ? "h" + random_text(rng, 20, false) : "";
    e.copy_id = random_text(rng, 30, false);
    e.detail = random_text(rng, 60, true);  // a reply may hold '|'
    const std::string v = encode(e);
    auto back = decode_ledger_entry(v);
    BOOST_REQUIRE_MESSAGE(back, "did not decode: " << v);
    BOOST_TEST(static_cast<int>(back->state) == static_cast<int>(e.state));
    BOOST_TEST(back->owner == e.owner);
    BOOST_TEST(back->copy_id == e.copy_id);
    BOOST_TEST(back->detail == e.detail);
  }
}

BOOST_AUTO_TEST_CASE(malformed_values_are_refused) {
  for (std::string_view v : {"", "R", "R|", "R||", "X|o|c|", "R|o|c", "r|o|c|", "R||c|",  // reserved without owner
                             "D|o|c|250 ok", "Q|someone|c|", "RR|o|c|", "R o|c|d"})
    BOOST_TEST(!decode_ledger_entry(v).has_value(), "accepted: " << v);
  BOOST_TEST(decode_ledger_entry("R|o|c|").has_value());
  BOOST_TEST(decode_ledger_entry("D||c|250 2.0.0 Ok|queued").has_value());
}

BOOST_AUTO_TEST_CASE(judge_never_resends_what_may_have_been_accepted) {
  for (auto choice : {in_doubt_choice::assume_delivered, in_doubt_choice::resend})
    for (bool alive : {false, true})
      for (auto s : all_states) {
        ledger_entry e{s, needs_owner(ledger_entry{s}) ? "o" : "", "c", ""};
        const verdict v = judge(e, alive, choice);
        switch (s) {
          case ledger_state::delivered: BOOST_TEST((v == verdict::already_delivered)); break;
          case ledger_state::refused: BOOST_TEST((v == verdict::already_refused)); break;
          case ledger_state::held: BOOST_TEST((v == verdict::already_held)); break;
          case ledger_state::in_doubt: BOOST_TEST((v == verdict::possibly_delivered)); break;
          case ledger_state::reserved:
            // Nothing past the 354: a dead owner's reservation is safe to take over.
            BOOST_TEST((v == (alive ? verdict::in_progress : verdict::send)));
            break;
          case ledger_state::committing:
            // A live attempt is never overtaken; a dead one's copy is resent only by choice.
            if (alive) BOOST_TEST((v == verdict::in_progress));
            else if (choice == in_doubt_choice::assume_delivered) BOOST_TEST((v == verdict::possibly_delivered));
            else BOOST_TEST((v == verdict::send));
            break;
        }
      }
}

BOOST_AUTO_TEST_CASE(in_doubt_choice_names) {
  BOOST_TEST((parse_in_doubt_choice("assume_delivered") == in_doubt_choice::assume_delivered));
  BOOST_TEST((parse_in_doubt_choice("resend") == in_doubt_choice::resend));
  BOOST_TEST(!parse_in_doubt_choice("Resend").has_value());
}
