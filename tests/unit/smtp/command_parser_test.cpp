#include <boost/test/unit_test.hpp>
#include <string>

#include "parse_helpers.hpp"

using namespace kizuna::smtp;
using namespace kizuna::smtp::test;

BOOST_AUTO_TEST_CASE(every_verb_is_recognised) {
  BOOST_TEST(accepted("HELO client.example").kind == verb::helo);
  BOOST_TEST(accepted("EHLO client.example").kind == verb::ehlo);
  BOOST_TEST(accepted("LHLO client.example").kind == verb::lhlo);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com>").kind == verb::mail);
  BOOST_TEST(accepted("RCPT TO:<b@example.com>").kind == verb::rcpt);
  BOOST_TEST(accepted("DATA").kind == verb::data);
  BOOST_TEST(accepted("RSET").kind == verb::rset);
  BOOST_TEST(accepted("NOOP").kind == verb::noop);
  BOOST_TEST(accepted("QUIT").kind == verb::quit);
  BOOST_TEST(accepted("VRFY postmaster").kind == verb::vrfy);
  BOOST_TEST(accepted("HELP").kind == verb::help);
  BOOST_TEST(accepted("STARTTLS").kind == verb::starttls);
  BOOST_TEST(accepted("AUTH PLAIN").kind == verb::auth);
}

BOOST_AUTO_TEST_CASE(verbs_are_case_insensitive) {
  BOOST_TEST(accepted("ehlo client.example").kind == verb::ehlo);
  BOOST_TEST(accepted("Helo client.example").kind == verb::helo);
  BOOST_TEST(accepted("lHlO client.example").kind == verb::lhlo);
  BOOST_TEST(accepted("mail from:<a@example.com>").kind == verb::mail);
  BOOST_TEST(accepted("rcpt to:<b@example.com>").kind == verb::rcpt);
  BOOST_TEST(accepted("data").kind == verb::data);
  BOOST_TEST(accepted("rSeT").kind == verb::rset);
  BOOST_TEST(accepted("noop").kind == verb::noop);
  BOOST_TEST(accepted("quit").kind == verb::quit);
  BOOST_TEST(accepted("vrfy bob").kind == verb::vrfy);
  BOOST_TEST(accepted("help").kind == verb::help);
  BOOST_TEST(accepted("StartTLS").kind == verb::starttls);
  BOOST_TEST(accepted("auth login").kind == verb::auth);
}

BOOST_AUTO_TEST_CASE(unknown_verb_is_500_command_unrecognized) {
  for (const char* line :
       {"EXPN list", "BDAT 10 LAST", "TURN", "FOO", "MAILFROM:<a@b.c>", "HELOX a.b", "DAT", ""}) {
    auto r = rejected(line);
    BOOST_TEST(r.code == 500);
    BOOST_TEST(r.enhanced == "5.5.2");
    BOOST_TEST(r.text == "Command unrecognized");
  }
}

BOOST_AUTO_TEST_CASE(leading_space_before_verb_is_not_a_verb) { BOOST_TEST(rejected(" NOOP").code == 500); }

BOOST_AUTO_TEST_CASE(argumentless_verbs_with_arguments_are_501) {
  for (const char* line : {"DATA now", "RSET all", "QUIT bye", "STARTTLS please"}) {
    auto r = rejected(line);
    BOOST_TEST(r.code == 501);
    BOOST_TEST(r.enhanced == "5.5.4");
  }
}

BOOST_AUTO_TEST_CASE(trailing_spaces_after_a_verb_are_tolerated) {
  BOOST_TEST(accepted("DATA  ").kind == verb::data);
  BOOST_TEST(accepted("QUIT ").kind == verb::quit);
  BOOST_TEST(accepted("EHLO client.example ").argument == "client.example");
}

BOOST_AUTO_TEST_CASE(greeting_keeps_the_client_domain) {
  BOOST_TEST(accepted("EHLO mx1.example.org").argument == "mx1.example.org");
  BOOST_TEST(accepted("HELO localhost").argument == "localhost");
  BOOST_TEST(accepted("LHLO  lmtp.example").argument == "lmtp.example");
}

BOOST_AUTO_TEST_CASE(greeting_accepts_address_literals) {
  BOOST_TEST(accepted("EHLO [192.0.2.1]").argument == "[192.0.2.1]");
  BOOST_TEST(accepted("EHLO [IPv6:2001:db8::1]").argument == "[IPv6:2001:db8::1]");
  BOOST_TEST(accepted("HELO [ipv6:::1]").argument == "[ipv6:::1]");
}

BOOST_AUTO_TEST_CASE(greeting_tolerates_underscores_in_host_names) {
  BOOST_TEST(accepted("EHLO DESKTOP_42.corp").argument == "DESKTOP_42.corp");
}

BOOST_AUTO_TEST_CASE(greeting_without_domain_is_501) {
  for (const char* line : {"HELO", "EHLO", "LHLO", "EHLO   "}) {
    auto r = rejected(line);
    BOOST_TEST(r.code == 501);
    BOOST_TEST(r.enhanced == "5.5.4");
  }
}

BOOST_AUTO_TEST_CASE(greeting_with_invalid_domain_is_501) {
  for (const char* line : {"EHLO two words", "EHLO -bad.example", "EHLO bad-.example", "EHLO a..b",
                           "EHLO .example", "EHLO example.", "EHLO [300.1.1.1]", "EHLO [1.2.3]",
                           "EHLO [IPv6:zz::1]", "EHLO [tag:whatever]", "EHLO [1.2.3.4", "EHLO host!",
                           "EHLO b\xc3\xbc"
                           "cher.example"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(greeting_label_longer_than_63_is_501) {
  BOOST_TEST(accepted("EHLO " + std::string(63, 'a') + ".example").kind == verb::ehlo);
  BOOST_TEST(status_of("EHLO " + std::string(64, 'a') + ".example") == "501 5.5.4");
}

BOOST_AUTO_TEST_CASE(noop_and_help_take_optional_raw_arguments) {
  BOOST_TEST(accepted("NOOP").argument.empty());
  BOOST_TEST(accepted("NOOP anything at all").argument == "anything at all");
  BOOST_TEST(accepted("HELP").argument.empty());
  BOOST_TEST(accepted("HELP MAIL").argument == "MAIL");
}

BOOST_AUTO_TEST_CASE(vrfy_keeps_its_argument_and_requires_one) {
  BOOST_TEST(accepted("VRFY <bob@example.com>").argument == "<bob@example.com>");
  BOOST_TEST(status_of("VRFY") == "501 5.5.4");
}

BOOST_AUTO_TEST_CASE(auth_keeps_mechanism_and_initial_response) {
  BOOST_TEST(accepted("AUTH PLAIN AGJvYgBzZWNyZXQ=").argument == "PLAIN AGJvYgBzZWNyZXQ=");
  BOOST_TEST(status_of("AUTH") == "501 5.5.4");
}

BOOST_AUTO_TEST_CASE(nul_anywhere_is_500) {
  using namespace std::string_literals;
  for (auto line : {"NO\0OP"s, "NOOP\0"s, "MAIL FROM:<a\0b@example.com>"s, "\0"s}) {
    auto r = rejected(line);
    BOOST_TEST(r.code == 500);
    BOOST_TEST(r.enhanced == "5.5.2");
  }
}

BOOST_AUTO_TEST_CASE(control_characters_anywhere_are_500) {
  for (const char* line : {"NOOP\r", "NOOP \rx", "HELP\nQUIT", "EHLO a\tb", "NOOP \x1b[31m", "NOOP \x7f",
                           "RCPT TO:<a\x01@example.com>", "\x08QUIT"}) {
    BOOST_TEST(status_of(line) == "500 5.5.2", line);
  }
}

BOOST_AUTO_TEST_CASE(line_at_the_limit_is_parsed) {
  // 510 octets of text + CRLF is exactly RFC 5321's 512.
  std::string line = "NOOP " + std::string(max_command_line - 2 - 5, 'x');
  BOOST_REQUIRE_EQUAL(line.size(), 510u);
  BOOST_TEST(accepted(line).argument.size() == 505u);
}

BOOST_AUTO_TEST_CASE(line_past_the_limit_is_500_line_too_long) {
  std::string line = "NOOP " + std::string(max_command_line - 2 - 5 + 1, 'x');
  auto r = rejected(line);
  BOOST_TEST(r.code == 500);
  BOOST_TEST(r.enhanced == "5.5.2");
  BOOST_TEST(r.text == "Line too long");
}

BOOST_AUTO_TEST_CASE(overlong_line_is_reported_as_too_long_even_with_control_chars) {
  // Length is checked first, so the client learns the real reason.
  std::string line = "NOOP " + std::string(600, '\x01');
  BOOST_TEST(rejected(line).text == "Line too long");
}

BOOST_AUTO_TEST_CASE(is_ascii_spots_any_high_byte) {
  BOOST_TEST(is_ascii("user@example.com"));
  BOOST_TEST(is_ascii(""));
  BOOST_TEST(!is_ascii("\xe7\x94\xb0\xe4\xb8\xad@example.jp"));
  BOOST_TEST(!is_ascii("user@example.com\x80"));
}
