// The signer (relay/dkim/signer.hpp) checked by Kizuna's own verifier
// (verifier.hpp) as an oracle: every signature of random messages verifies,
// and any change to a signed field, the body, or an added From breaks it.
// The independent verifiers (dkimpy, Mail::DKIM, OpenDKIM) check the same
// copies in tests/integration/test_dkim.py.
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>

#include "relay/dkim/key_table.hpp"
#include "relay/dkim/signer.hpp"
#include "relay/dkim/verifier.hpp"

using namespace kizuna::dkim;

namespace {

struct keys_fixture {
  key_table table{{
      {"example.com", "rsa1", private_key::generate(algorithm::rsa_sha256, 2048), {}},
      {"example.com", "ed1", private_key::generate(algorithm::ed25519_sha256, 0), {}},
      {"shop.example.net", "s1", private_key::generate(algorithm::ed25519_sha256, 0), {}},
  }};
  std::vector<const signing_key*> example() const {
    auto s = table.for_domain("example.com");
    return {s.begin(), s.end()};
  }
};

const std::string message =
    "From: =?UTF-8?B?5L2Q6Jek?= <sato@example.com>\r\n"
    "To: alice@example.org\r\n"
    "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n"
    " =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n"
    "Date: Sun, 06 Dec 2026 08:00:00 +0900\r\n"
    "Message-ID: <abc@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=UTF-8\r\n"
    "List-Unsubscribe: <https://u.example.com/u/tok>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "\r\n"
    "Hello  Alice,\r\n\tsee you\r\n\r\n\r\n";

std::string signed_copy(const std::string& msg, const std::vector<const signing_key*>& keys) {
  auto sig = sign(msg, keys, {1'796'000'000, 86400});
  BOOST_TEST_REQUIRE(sig.has_value(), (sig ? "" : sig.error()));
  return *sig + msg;
}

bool all_ok(const std::string& m, const key_table& t, std::size_t expected) {
  auto checks = check_signatures(m, t);
  if (checks.size() != expected) return false;
  for (auto& c : checks)
    if (!c.ok) return false;
  return true;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(signer, keys_fixture)

BOOST_AUTO_TEST_CASE(rsa_and_ed25519_sign_together_and_verify) {
  const std::string m = signed_copy(message, example());
  auto checks = check_signatures(m, table);
  BOOST_TEST_REQUIRE(checks.size() == 2u);
  BOOST_TEST(checks[0].algorithm == "rsa-sha256");
  BOOST_TEST(checks[1].algorithm == "ed25519-sha256");
  for (auto& c : checks) {
    BOOST_TEST(c.ok, c.problem);
    BOOST_TEST(c.domain == "example.com");
  }
}

BOOST_AUTO_TEST_CASE(tags_are_relaxed_with_t_and_x_and_never_l) {
  const std::string m = signed_copy(message, example());
  const std::string first = m.substr(0, m.find("\r\nDKIM-Signature") == std::string::npos ? m.size() : m.find("\r\nDKIM-Signature"));
  BOOST_TEST(first.find("c=relaxed/relaxed;") != std::string::npos);
  BOOST_TEST(first.find(" t=1796000000;") != std::string::npos);
  BOOST_TEST(first.find(" x=1796086400;") != std::string::npos);
  BOOST_TEST(first.find(" l=") == std::string::npos);
  BOOST_TEST(first.find(";l=") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(h_oversigns_from_subject_reply_to_to_date_and_the_unsubscribe_pair) {
  auto checks = check_signatures(signed_copy(message, example()), table);
  BOOST_TEST_REQUIRE(!checks.empty());
  auto count = [&](std::string_view n) { return std::count(checks[0].headers.begin(), checks[0].headers.end(), n); };
  BOOST_TEST(count("from") == 2);
  BOOST_TEST(count("subject") == 2);
  BOOST_TEST(count("to") == 2);
  BOOST_TEST(count("date") == 2);
  BOOST_TEST(count("reply-to") == 1);  // absent: signed as null once, so none can be added
  BOOST_TEST(count("list-unsubscribe") == 2);
  BOOST_TEST(count("list-unsubscribe-post") == 2);
  BOOST_TEST(count("message-id") == 1);
  BOOST_TEST(count("cc") == 0);  // absent and not over-signed: not listed
}

BOOST_AUTO_TEST_CASE(every_folded_line_of_the_field_is_short) {
  const std::string m = signed_copy(message, example());
  std::size_t pos = 0;
  const std::size_t header_end = m.find("\r\nFrom:");
  while (pos < header_end) {
    const std::size_t e = m.find("\r\n", pos);
    BOOST_TEST(e - pos <= 78u);
    pos = e + 2;
  }
}

BOOST_AUTO_TEST_CASE(a_change_to_a_signed_field_or_the_body_breaks_it) {
  const std::string m = signed_copy(message, example());
  const std::vector<std::pair<std::string, std::string>> edits = {
      {"Hello  Alice", "Hello  Alicf"},
      {"<https://u.example.com/u/tok>", "<https://evil.example/u/tok>"},
      {"List-Unsubscribe=One-Click", "List-Unsubscribe=One-Clicks"},
      {"alice@example.org", "bob@example.org"},
      {"sato@example.com", "sato@example.org"},
  };
  for (auto& [from, to] : edits) {
    std::string t = m;
    const auto at = t.rfind(from);
    BOOST_TEST_REQUIRE(at != std::string::npos);
    t.replace(at, from.size(), to);
    for (auto& c : check_signatures(t, table)) BOOST_TEST(!c.ok, from << " -> " << to);
  }
}

BOOST_AUTO_TEST_CASE(an_added_from_reply_to_or_unsubscribe_field_breaks_it) {
  const std::string m = signed_copy(message, example());
  for (std::string added : {"From: ceo@example.com\r\n", "Reply-To: thief@example.net\r\n",
                            "List-Unsubscribe: <https://evil.example/>\r\n"}) {
    std::string t = m;
    t.insert(t.find("\r\n\r\n") + 2, added);  // appended at the end of the header
    for (auto& c : check_signatures(t, table)) BOOST_TEST(!c.ok, added);
  }
}

BOOST_AUTO_TEST_CASE(whitespace_a_relay_may_change_does_not_break_it) {
  const std::string m = signed_copy(message, example());
  std::string t = m;
  t.replace(t.find("Hello  Alice,"), 13, "Hello \t Alice,  ");
  t.replace(t.find("To: alice"), 9, "To:   alice");
  BOOST_TEST(all_ok(t, table, 2));
}

BOOST_AUTO_TEST_CASE(a_copy_without_exactly_one_from_is_not_signed) {
  auto keys = example();
  std::string none = message;
  none.erase(0, none.find("\r\n") + 2);
  BOOST_TEST(!sign(none, keys, {}).has_value());
  BOOST_TEST(!sign("From: a@example.com\r\n" + message, keys, {}).has_value());
  BOOST_TEST(count_from_fields(none) == 0u);
  BOOST_TEST(count_from_fields(message) == 1u);
}

BOOST_AUTO_TEST_CASE(empty_body_and_body_without_final_newline_sign) {
  std::string head = message.substr(0, message.find("\r\n\r\n") + 4);
  BOOST_TEST(all_ok(signed_copy(head, example()), table, 2));
  BOOST_TEST(all_ok(signed_copy(head + "no newline at the end", example()), table, 2));
  BOOST_TEST(all_ok(signed_copy(head.substr(0, head.size() - 2), example()), table, 2));  // no separator at all
}

BOOST_AUTO_TEST_CASE(property_random_messages_verify_and_break_when_touched) {
  std::mt19937 rng(8463);
  const std::string chars = "abcXYZ09 \t.=;:<>@-";
  auto keys = example();
  for (int round = 0; round < 60; ++round) {
    std::string m = "From: s@example.com\r\nTo: r@example.org\r\nSubject: ";
    for (int i = 0, n = int(rng() % 40); i < n; ++i) m += chars[rng() % chars.size()];
    m += "\r\n\r\n";
    for (int i = 0, n = int(rng() % 400); i < n; ++i) m += (rng() % 15 == 0) ? std::string("\r\n") : std::string(1, chars[rng() % chars.size()]);
    const std::string s = signed_copy(m, keys);
    BOOST_TEST_REQUIRE(all_ok(s, table, 2), m);
    // Flip one non-whitespace byte of the body.
    const std::size_t body = s.find("\r\n\r\n") + 4;
    for (std::size_t i = s.size(); i-- > body;) {
      const char c = s[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
      std::string t = s;
      t[i] = c == 'a' ? 'b' : 'a';
      BOOST_TEST_REQUIRE(!all_ok(t, table, 2), m);
      break;
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
