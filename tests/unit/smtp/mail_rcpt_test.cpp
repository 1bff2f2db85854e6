#include <boost/test/unit_test.hpp>
#include <cstdint>
#include <limits>
#include <string>

#include "parse_helpers.hpp"

using namespace kizuna::smtp;
using namespace kizuna::smtp::test;

// UTF-8 "田中@例え.jp" (RFC 6531 mailbox with a U-label domain).
static const std::string tanaka = "\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b\xe3\x81\x88.jp";

BOOST_AUTO_TEST_SUITE(mail_from)

BOOST_AUTO_TEST_CASE(mail_from_yields_path_without_brackets) {
  auto c = accepted("MAIL FROM:<alice@example.com>");
  BOOST_TEST(c.path == "alice@example.com");
  BOOST_TEST(!c.params.size.has_value());
  BOOST_TEST(c.params.body == body_type::unspecified);
  BOOST_TEST(!c.params.smtputf8);
}

BOOST_AUTO_TEST_CASE(mail_from_null_reverse_path_is_accepted) {
  BOOST_TEST(accepted("MAIL FROM:<>").path.empty());
  BOOST_TEST(accepted("MAIL FROM:<> SIZE=10").params.size == 10u);
}

BOOST_AUTO_TEST_CASE(mail_from_keyword_is_case_insensitive) {
  BOOST_TEST(accepted("mail from:<a@example.com>").path == "a@example.com");
  BOOST_TEST(accepted("MAIL From:<a@example.com>").path == "a@example.com");
}

BOOST_AUTO_TEST_CASE(mail_from_tolerates_space_after_colon) {
  BOOST_TEST(accepted("MAIL FROM: <a@example.com>").path == "a@example.com");
  BOOST_TEST(accepted("MAIL FROM:  <a@example.com> BODY=8BITMIME").path == "a@example.com");
}

BOOST_AUTO_TEST_CASE(mail_without_from_keyword_is_501) {
  for (const char* line : {"MAIL", "MAIL <a@example.com>", "MAIL TO:<a@example.com>",
                           "MAIL FROM <a@example.com>", "MAIL FROM :<a@example.com>"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_from_requires_angle_brackets) {
  for (const char* line : {"MAIL FROM:a@example.com", "MAIL FROM:<a@example.com", "MAIL FROM:a@example.com>",
                           "MAIL FROM:", "MAIL FROM:<a@example.com>SIZE=1"}) {
    BOOST_TEST(status_of(line) == "501 5.1.7", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_from_bad_mailbox_syntax_is_501_5_1_7) {
  for (const char* line :
       {"MAIL FROM:<alice>", "MAIL FROM:<@example.com>", "MAIL FROM:<alice@>",
        "MAIL FROM:<.alice@example.com>", "MAIL FROM:<alice.@example.com>", "MAIL FROM:<al..ice@example.com>",
        "MAIL FROM:<a b@example.com>", "MAIL FROM:<a(b)@example.com>", "MAIL FROM:<a@b@example.com>",
        "MAIL FROM:<a@-example.com>", "MAIL FROM:<a@example..com>", "MAIL FROM:<a@exa_mple.com>",
        "MAIL FROM:<a@[1.2.3.256]>", "MAIL FROM:<a@[1.2.3]>", "MAIL FROM:<a@[IPv6:1:2:3]>",
        "MAIL FROM:<a@[x-tag:foo]>", "MAIL FROM:<\"unterminated@example.com>",
        "MAIL FROM:<\"q\"x@example.com>", "MAIL FROM:<Postmaster>"}) {
    BOOST_TEST(status_of(line) == "501 5.1.7", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_from_accepts_every_atext_character) {
  BOOST_TEST(accepted("MAIL FROM:<!#$%&'*+-/=?^_`{|}~.x@example.com>").path ==
             "!#$%&'*+-/=?^_`{|}~.x@example.com");
}

BOOST_AUTO_TEST_CASE(quoted_local_part_is_kept_verbatim) {
  BOOST_TEST(accepted("MAIL FROM:<\"john doe\"@example.com>").path == "\"john doe\"@example.com");
  BOOST_TEST(accepted("MAIL FROM:<\"a>b\"@example.com>").path == "\"a>b\"@example.com");
  BOOST_TEST(accepted("MAIL FROM:<\"a\\\"b\"@example.com>").path == "\"a\\\"b\"@example.com");
  BOOST_TEST(accepted("MAIL FROM:<\"a\\\\\"@example.com> SIZE=5").params.size == 5u);
}

BOOST_AUTO_TEST_CASE(address_literal_domains_are_accepted) {
  BOOST_TEST(accepted("MAIL FROM:<a@[192.0.2.7]>").path == "a@[192.0.2.7]");
  BOOST_TEST(accepted("RCPT TO:<a@[IPv6:2001:db8::7]>").path == "a@[IPv6:2001:db8::7]");
  BOOST_TEST(accepted("RCPT TO:<a@[IPv6:::ffff:192.0.2.7]>").path == "a@[IPv6:::ffff:192.0.2.7]");
}

BOOST_AUTO_TEST_CASE(source_route_is_dropped) {
  BOOST_TEST(accepted("MAIL FROM:<@relay1.example,@relay2.example:alice@example.com>").path ==
             "alice@example.com");
  BOOST_TEST(accepted("RCPT TO:<@hop.example:bob@example.org>").path == "bob@example.org");
}

BOOST_AUTO_TEST_CASE(malformed_source_route_is_rejected) {
  for (const char* line : {"MAIL FROM:<@relay.example:>", "MAIL FROM:<@relay.example,:a@example.com>",
                           "MAIL FROM:<@relay.example,relay2.example:a@example.com>",
                           "MAIL FROM:<@:a@example.com>", "MAIL FROM:<@relay.example>"}) {
    BOOST_TEST(status_of(line) == "501 5.1.7", line);
  }
}

BOOST_AUTO_TEST_CASE(local_part_longer_than_rfc_64_is_accepted_up_to_192_octets) {
  // Longer than RFC 5321's 64 (servers should accept what they can): unsubscribe+<token> needs it.
  BOOST_TEST(accepted("MAIL FROM:<" + std::string(192, 'l') + "@example.com>").path.size() == 192u + 12u);
  auto r = rejected("MAIL FROM:<" + std::string(193, 'l') + "@example.com>");
  BOOST_TEST(r.code == 501);
  BOOST_TEST(r.text == "Local part too long");
  // Quotes count: the limit is on the local part as sent.
  BOOST_TEST(rejected("RCPT TO:<\"" + std::string(191, 'q') + "\"@example.com>").text ==
             "Local part too long");
}

BOOST_AUTO_TEST_CASE(mailbox_longer_than_max_path_is_path_too_long) {
  // Labels of 60 octets keep every label valid; only the total is over.
  std::string domain;
  while (domain.size() < max_path) domain += std::string(60, 'd') + ".";
  domain += "example";
  auto r = rejected("RCPT TO:<a@" + domain + ">");
  BOOST_TEST(r.code == 501);
  BOOST_TEST(r.enhanced == "5.1.3");
  BOOST_TEST(r.text == "Path too long");

  std::string fits = "a@" + std::string(60, 'd') + "." + std::string(60, 'd') + "." + std::string(60, 'd') +
                     "." + std::string(60, 'd') + ".ex";
  BOOST_REQUIRE_LE(fits.size(), max_path);
  BOOST_TEST(accepted("MAIL FROM:<" + fits + ">").path == fits);
}

BOOST_AUTO_TEST_CASE(mail_size_parameter_is_parsed) {
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=0").params.size == 0u);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=1048576").params.size == 1048576u);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> size=000123").params.size == 123u);
}

BOOST_AUTO_TEST_CASE(mail_size_at_uint64_max_is_exact) {
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=18446744073709551615").params.size ==
             std::numeric_limits<uint64_t>::max());
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=18446744073709551614").params.size ==
             std::numeric_limits<uint64_t>::max() - 1);
}

BOOST_AUTO_TEST_CASE(mail_size_overflow_saturates_instead_of_wrapping) {
  // 2^64 would wrap to 0 (and slip past the size limit) with naive arithmetic.
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=18446744073709551616").params.size ==
             std::numeric_limits<uint64_t>::max());
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SIZE=99999999999999999999").params.size ==
             std::numeric_limits<uint64_t>::max());
}

BOOST_AUTO_TEST_CASE(mail_size_longer_than_20_digits_is_501) {
  BOOST_TEST(status_of("MAIL FROM:<a@example.com> SIZE=100000000000000000000") == "501 5.5.4");
  BOOST_TEST(status_of("MAIL FROM:<a@example.com> SIZE=" + std::string(200, '9')) == "501 5.5.4");
}

BOOST_AUTO_TEST_CASE(mail_size_without_digits_is_501) {
  for (const char* line : {"MAIL FROM:<a@example.com> SIZE", "MAIL FROM:<a@example.com> SIZE=",
                           "MAIL FROM:<a@example.com> SIZE=-1", "MAIL FROM:<a@example.com> SIZE=1k",
                           "MAIL FROM:<a@example.com> SIZE=+5", "MAIL FROM:<a@example.com> SIZE=1 SIZE=2"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_body_parameter_is_parsed) {
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> BODY=7BIT").params.body == body_type::seven_bit);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> BODY=8BITMIME").params.body == body_type::eight_bit_mime);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> body=8bitmime").params.body == body_type::eight_bit_mime);
}

BOOST_AUTO_TEST_CASE(mail_body_with_other_value_is_501) {
  for (const char* line :
       {"MAIL FROM:<a@example.com> BODY=BINARYMIME", "MAIL FROM:<a@example.com> BODY",
        "MAIL FROM:<a@example.com> BODY=", "MAIL FROM:<a@example.com> BODY=7BIT BODY=7BIT"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_smtputf8_parameter_takes_no_value) {
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> SMTPUTF8").params.smtputf8);
  BOOST_TEST(accepted("MAIL FROM:<a@example.com> smtputf8").params.smtputf8);
  BOOST_TEST(status_of("MAIL FROM:<a@example.com> SMTPUTF8=yes") == "501 5.5.4");
}

BOOST_AUTO_TEST_CASE(mail_parameters_combine_in_any_order) {
  auto c = accepted("MAIL FROM:<a@example.com>  SMTPUTF8 BODY=8BITMIME   SIZE=42 ");
  BOOST_TEST(c.params.smtputf8);
  BOOST_TEST(c.params.body == body_type::eight_bit_mime);
  BOOST_TEST(c.params.size == 42u);
}

BOOST_AUTO_TEST_CASE(mail_unknown_parameter_is_555) {
  for (const char* line : {"MAIL FROM:<a@example.com> RET=HDRS", "MAIL FROM:<a@example.com> ENVID=x",
                           "MAIL FROM:<a@example.com> AUTH=<>", "MAIL FROM:<a@example.com> SIZE=1 X-FOO",
                           "MAIL FROM:<a@example.com> REQUIRETLS"}) {
    BOOST_TEST(status_of(line) == "555 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_malformed_parameter_keyword_is_501) {
  for (const char* line :
       {"MAIL FROM:<a@example.com> =5", "MAIL FROM:<a@example.com> -X=1", "MAIL FROM:<a@example.com> X_Y=1",
        "MAIL FROM:<a@example.com> X=", "MAIL FROM:<a@example.com> \xc3\xa9=1"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(mail_non_ascii_path_without_smtputf8_is_553_5_6_7) {
  auto r = rejected("MAIL FROM:<" + tanaka + ">");
  BOOST_TEST(r.code == 553);
  BOOST_TEST(r.enhanced == "5.6.7");
  BOOST_TEST(status_of("MAIL FROM:<\"\xc3\xa9\"@example.com> SIZE=1") == "553 5.6.7");
}

BOOST_AUTO_TEST_CASE(mail_utf8_path_with_smtputf8_is_accepted) {
  auto c = accepted("MAIL FROM:<" + tanaka + "> SMTPUTF8");
  BOOST_TEST(c.path == tanaka);
  BOOST_TEST(c.params.smtputf8);
  BOOST_TEST(accepted("MAIL FROM:<\"j\xc3\xb6rg x\"@example.com> SMTPUTF8").path ==
             "\"j\xc3\xb6rg x\"@example.com");
}

BOOST_AUTO_TEST_CASE(mail_invalid_utf8_is_rejected_even_with_smtputf8) {
  for (std::string bad : {"\xff@example.com", "\xc3@example.com", "\xc0\xbc@example.com" /* overlong '<' */,
                          "\xed\xa0\x80@example.com" /* surrogate */, "\xf4\x90\x80\x80@example.com"}) {
    BOOST_TEST(status_of("MAIL FROM:<" + bad + "> SMTPUTF8") == "501 5.1.7", bad);
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rcpt_to)

BOOST_AUTO_TEST_CASE(rcpt_to_yields_path_without_brackets) {
  BOOST_TEST(accepted("RCPT TO:<bob@example.org>").path == "bob@example.org");
  BOOST_TEST(accepted("rcpt To:<bob@example.org>").path == "bob@example.org");
  BOOST_TEST(accepted("RCPT TO: <bob@example.org>").path == "bob@example.org");
  BOOST_TEST(accepted("RCPT TO:<bob@example.org>  ").path == "bob@example.org");
}

BOOST_AUTO_TEST_CASE(rcpt_to_postmaster_without_domain_is_accepted) {
  BOOST_TEST(accepted("RCPT TO:<Postmaster>").path == "Postmaster");
  BOOST_TEST(accepted("RCPT TO:<postmaster>").path == "postmaster");
  BOOST_TEST(status_of("RCPT TO:<webmaster>") == "501 5.1.3");
}

BOOST_AUTO_TEST_CASE(rcpt_to_null_path_is_rejected) {
  auto r = rejected("RCPT TO:<>");
  BOOST_TEST(r.code == 501);
  BOOST_TEST(r.enhanced == "5.1.3");
}

BOOST_AUTO_TEST_CASE(rcpt_without_to_keyword_is_501) {
  for (const char* line :
       {"RCPT", "RCPT <b@example.org>", "RCPT FROM:<b@example.org>", "RCPT TO <b@example.org>"}) {
    BOOST_TEST(status_of(line) == "501 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(rcpt_bad_path_is_501_5_1_3) {
  for (const char* line :
       {"RCPT TO:b@example.org", "RCPT TO:<b@example.org", "RCPT TO:<b>", "RCPT TO:<b@>",
        "RCPT TO:<b@example.org>x", "RCPT TO:<b@@example.org>", "RCPT TO:<@example.org>"}) {
    BOOST_TEST(status_of(line) == "501 5.1.3", line);
  }
}

BOOST_AUTO_TEST_CASE(rcpt_any_parameter_is_555) {
  for (const char* line :
       {"RCPT TO:<b@example.org> NOTIFY=NEVER", "RCPT TO:<b@example.org> ORCPT=rfc822;b@example.org",
        "RCPT TO:<b@example.org> SIZE=1", "RCPT TO:<b@example.org> SMTPUTF8"}) {
    BOOST_TEST(status_of(line) == "555 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(rcpt_utf8_path_is_left_for_the_session_to_check) {
  auto c = accepted("RCPT TO:<" + tanaka + ">");
  BOOST_TEST(c.path == tanaka);
  BOOST_TEST(!is_ascii(c.path));
}

BOOST_AUTO_TEST_CASE(rcpt_invalid_utf8_path_is_rejected) {
  BOOST_TEST(status_of("RCPT TO:<\xe7\x94@example.jp>") == "501 5.1.3");
  BOOST_TEST(status_of("RCPT TO:<a@\xfe.example>") == "501 5.1.3");
}

BOOST_AUTO_TEST_SUITE_END()
