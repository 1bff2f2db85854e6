// server_protocol: the SMTP/LMTP command state machine, driven line by line
// without sockets (RFC 5321, RFC 2033 LHLO, RFC 1870 SIZE, RFC 6531 SMTPUTF8).
#include "relay/smtp/server_protocol.hpp"
#include "tests/unit/smtp/protocol_driver.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>

using namespace kizuna::smtp;
using kizuna::smtp::test::say;
using kizuna::smtp::test::status;
using action = server_protocol::action;

namespace {

// UTF-8 "田中@例え.jp".
const std::string tanaka = "\xe7\x94\xb0\xe4\xb8\xad@\xe4\xbe\x8b\xe3\x81\x88.jp";

protocol_settings settings(bool lmtp = false, bool allowed = true) {
  protocol_settings s;
  s.hostname = "relay.example";
  s.lmtp = lmtp;
  s.client_allowed = allowed;
  s.max_message_bytes = 10'000'000;
  s.max_recipients = 3;
  s.max_errors = 5;
  return s;
}

// A protocol that has said EHLO (or LHLO) and opened a transaction.
server_protocol in_transaction(protocol_settings s = settings()) {
  server_protocol p(s);
  BOOST_REQUIRE(say(p, s.lmtp ? "LHLO client.example" : "EHLO client.example").wire.starts_with("250"));
  BOOST_REQUIRE_EQUAL(status(say(p, "MAIL FROM:<sender@example.com>")), "250 2.1.0");
  return p;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(greeting)

BOOST_AUTO_TEST_CASE(allowed_smtp_client_gets_220_esmtp_banner) {
  server_protocol p(settings());
  BOOST_TEST(p.greeting() == "220 relay.example ESMTP Kizuna\r\n");
}

BOOST_AUTO_TEST_CASE(allowed_lmtp_client_gets_220_lmtp_banner) {
  server_protocol p(settings(true));
  BOOST_TEST(p.greeting() == "220 relay.example LMTP Kizuna\r\n");
}

BOOST_AUTO_TEST_CASE(refused_client_gets_554_5_7_1_banner) {
  server_protocol p(settings(false, false));
  BOOST_TEST(p.greeting().starts_with("554 5.7.1 relay.example "));
  BOOST_TEST(p.greeting().ends_with("\r\n"));
}

BOOST_AUTO_TEST_CASE(refused_client_may_only_quit_or_noop) {
  server_protocol p(settings(false, false));
  BOOST_TEST(status(say(p, "NOOP")) == "250 2.0.0");
  for (const char* line : {"EHLO client.example", "HELO client.example", "MAIL FROM:<a@example.com>", "RSET"}) {
    auto r = say(p, line);
    BOOST_TEST(status(r) == "554 5.7.1", line);
    BOOST_TEST(r.next == action::none, line);
  }
  auto q = say(p, "QUIT");
  BOOST_TEST(status(q) == "221 2.0.0");
  BOOST_TEST(q.next == action::close);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(hello)

BOOST_AUTO_TEST_CASE(ehlo_advertises_the_extensions_in_a_multiline_250) {
  auto s = settings();
  s.max_message_bytes = 12345;
  server_protocol p(s);
  auto r = say(p, "EHLO client.example");
  BOOST_TEST(r.wire ==
             "250-relay.example\r\n"
             "250-PIPELINING\r\n"
             "250-SIZE 12345\r\n"
             "250-8BITMIME\r\n"
             "250-SMTPUTF8\r\n"
             "250 ENHANCEDSTATUSCODES\r\n");
  BOOST_TEST(r.next == action::none);
}

BOOST_AUTO_TEST_CASE(helo_gets_one_line_250_and_no_extensions) {
  server_protocol p(settings());
  BOOST_TEST(say(p, "HELO client.example").wire == "250 relay.example\r\n");
}

BOOST_AUTO_TEST_CASE(after_helo_mail_parameters_are_refused_with_555) {
  for (const char* line : {"MAIL FROM:<a@example.com> SIZE=10", "MAIL FROM:<a@example.com> BODY=8BITMIME",
                           "MAIL FROM:<a@example.com> SMTPUTF8"}) {
    server_protocol p(settings());
    say(p, "HELO client.example");
    BOOST_TEST(status(say(p, line)) == "555 5.5.4", line);
  }
}

BOOST_AUTO_TEST_CASE(after_helo_plain_mail_is_accepted) {
  server_protocol p(settings());
  say(p, "HELO client.example");
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
}

BOOST_AUTO_TEST_CASE(lmtp_refuses_helo_and_ehlo_and_accepts_lhlo) {
  server_protocol p(settings(true));
  BOOST_TEST(say(p, "HELO client.example").wire.starts_with("5"));
  BOOST_TEST(say(p, "EHLO client.example").wire.starts_with("5"));
  // Not greeted yet: MAIL is out of sequence.
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "503 5.5.1");
  auto r = say(p, "LHLO client.example");
  BOOST_TEST(r.wire.starts_with("250-relay.example\r\n"));
  BOOST_TEST(r.wire.ends_with("250 ENHANCEDSTATUSCODES\r\n"));
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
}

BOOST_AUTO_TEST_CASE(smtp_refuses_lhlo) {
  server_protocol p(settings());
  BOOST_TEST(say(p, "LHLO client.example").wire.starts_with("5"));
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(ehlo_in_a_transaction_resets_it) {
  auto p = in_transaction();
  say(p, "RCPT TO:<r@example.org>");
  BOOST_TEST(say(p, "EHLO again.example").wire.starts_with("250-"));
  BOOST_TEST(p.current().recipients.empty());
  BOOST_TEST(p.current().mail_from.empty());
  BOOST_TEST(status(say(p, "MAIL FROM:<other@example.com>")) == "250 2.1.0");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(sequence)

BOOST_AUTO_TEST_CASE(mail_before_hello_is_503) {
  server_protocol p(settings());
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(nested_mail_is_503) {
  auto p = in_transaction();
  BOOST_TEST(status(say(p, "MAIL FROM:<b@example.com>")) == "503 5.5.1");
  BOOST_TEST(p.current().mail_from == "sender@example.com");
}

BOOST_AUTO_TEST_CASE(rcpt_before_mail_is_503) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "RCPT TO:<r@example.org>")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(data_before_mail_is_503) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "DATA")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(data_without_rcpt_is_503) {
  auto p = in_transaction();
  auto r = say(p, "DATA");
  BOOST_TEST(status(r) == "503 5.5.1");
  BOOST_TEST(r.next == action::none);
}

BOOST_AUTO_TEST_CASE(data_after_rcpt_is_354_and_starts_data) {
  auto p = in_transaction();
  say(p, "RCPT TO:<r@example.org>");
  auto r = say(p, "DATA");
  BOOST_TEST(r.wire.starts_with("354 "));
  BOOST_TEST(r.next == action::start_data);
}

BOOST_AUTO_TEST_CASE(rset_clears_the_transaction) {
  auto p = in_transaction();
  say(p, "RCPT TO:<r@example.org>");
  BOOST_TEST(status(say(p, "RSET")) == "250 2.0.0");
  BOOST_TEST(p.current().mail_from.empty());
  BOOST_TEST(p.current().recipients.empty());
  BOOST_TEST(status(say(p, "RCPT TO:<r@example.org>")) == "503 5.5.1");
  BOOST_TEST(status(say(p, "MAIL FROM:<again@example.com>")) == "250 2.1.0");
}

BOOST_AUTO_TEST_CASE(quit_says_221_and_closes) {
  auto p = in_transaction();
  auto r = say(p, "QUIT");
  BOOST_TEST(status(r) == "221 2.0.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_CASE(starttls_and_auth_are_502) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "STARTTLS")) == "502 5.5.1");
  BOOST_TEST(status(say(p, "AUTH PLAIN")) == "502 5.5.1");
}

BOOST_AUTO_TEST_CASE(vrfy_is_252) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "VRFY postmaster")) == "252 2.5.0");
}

BOOST_AUTO_TEST_CASE(too_long_line_is_500_5_5_2) {
  server_protocol p(settings());
  auto r = p.on_line(framed_line{.text = {}, .bare_lf = false, .too_long = true});
  BOOST_TEST(status(r) == "500 5.5.2");
  BOOST_TEST(r.next == action::none);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(size_over_max_is_552_and_at_max_is_accepted) {
  auto s = settings();
  s.max_message_bytes = 1000;
  server_protocol p(s);
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com> SIZE=1001")) == "552 5.3.4");
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com> SIZE=1000")) == "250 2.1.0");
  BOOST_TEST(p.current().params.size.value_or(0) == 1000u);
}

BOOST_AUTO_TEST_CASE(recipient_past_max_recipients_is_452_4_5_3) {
  auto p = in_transaction();  // max_recipients = 3
  BOOST_TEST(status(say(p, "RCPT TO:<r1@example.org>")) == "250 2.1.5");
  BOOST_TEST(status(say(p, "RCPT TO:<r2@example.org>")) == "250 2.1.5");
  BOOST_TEST(status(say(p, "RCPT TO:<r3@example.org>")) == "250 2.1.5");
  BOOST_TEST(status(say(p, "RCPT TO:<r4@example.org>")) == "452 4.5.3");
  BOOST_TEST(p.current().recipients.size() == 3u);
}

BOOST_AUTO_TEST_CASE(utf8_recipient_without_smtputf8_is_553_5_6_7) {
  auto p = in_transaction();
  BOOST_TEST(status(say(p, "RCPT TO:<" + tanaka + ">")) == "553 5.6.7");
  BOOST_TEST(p.current().recipients.empty());
}

BOOST_AUTO_TEST_CASE(utf8_recipient_with_smtputf8_on_mail_is_accepted) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "MAIL FROM:<sender@example.com> SMTPUTF8")) == "250 2.1.0");
  BOOST_TEST(status(say(p, "RCPT TO:<" + tanaka + ">")) == "250 2.1.5");
  BOOST_REQUIRE(p.current().recipients.size() == 1u);
  BOOST_TEST(p.current().recipients[0] == tanaka);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(error_counter)

BOOST_AUTO_TEST_CASE(the_max_errors_th_error_becomes_421_and_closes) {
  auto s = settings();
  s.max_errors = 3;
  server_protocol p(s);
  auto first = say(p, "RCPT TO:<r@example.org>");
  BOOST_TEST(status(first) == "503 5.5.1");
  BOOST_TEST(first.next == action::none);
  auto second = say(p, "DATA");
  BOOST_TEST(status(second) == "503 5.5.1");
  BOOST_TEST(second.next == action::none);
  auto third = say(p, "STARTTLS");
  BOOST_TEST(status(third) == "421 4.7.0");
  BOOST_TEST(third.next == action::close);
}

BOOST_AUTO_TEST_CASE(successful_replies_do_not_count_as_errors) {
  auto s = settings();
  s.max_errors = 2;
  server_protocol p(s);
  BOOST_TEST(status(say(p, "DATA")) == "503 5.5.1");
  for (int i = 0; i < 10; ++i) BOOST_TEST(status(say(p, "NOOP")) == "250 2.0.0");
  auto r = say(p, "DATA");
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

// Issue 10, defect 5: a client saying NOOP within each command timeout held its
// session forever. Past max_junk_commands they are errors; DATA starts afresh.
BOOST_AUTO_TEST_CASE(junk_commands_past_the_limit_count_as_errors) {
  auto s = settings();
  s.max_errors = 3;
  s.max_junk_commands = 4;
  server_protocol p(s);
  BOOST_TEST(say(p, "EHLO client.example").wire.starts_with("250"));
  for (const char* c : {"NOOP", "RSET", "VRFY x", "HELP"}) BOOST_TEST(status(say(p, c)).starts_with("2"), c);
  BOOST_TEST(status(say(p, "NOOP")) == "503 5.7.0");
  BOOST_TEST(status(say(p, "RSET")) == "503 5.7.0");
  auto r = say(p, "NOOP");
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_CASE(a_message_starts_the_junk_count_afresh) {
  auto s = settings();
  s.max_errors = 2;
  s.max_junk_commands = 2;
  server_protocol p(s);
  BOOST_TEST(say(p, "EHLO client.example").wire.starts_with("250"));
  for (int m = 0; m < 20; ++m) {  // a long session: RSET + NOOP between messages
    BOOST_TEST(status(say(p, "RSET")) == "250 2.0.0");
    BOOST_TEST(status(say(p, "NOOP")) == "250 2.0.0");
    BOOST_TEST(status(say(p, "MAIL FROM:<s@example.com>")) == "250 2.1.0");
    BOOST_TEST(status(say(p, "RCPT TO:<r@example.org>")) == "250 2.1.5");  // say() accepts the recipient
    BOOST_TEST(say(p, "DATA").next == action::start_data);
    p.end_transaction();
  }
}

BOOST_AUTO_TEST_CASE(note_error_counts_toward_the_limit) {
  auto s = settings();
  s.max_errors = 2;
  server_protocol p(s);
  auto first = p.note_error(replies::message_too_large());
  BOOST_TEST(first.wire == replies::message_too_large().wire());
  BOOST_TEST(first.next == action::none);
  auto r = say(p, "DATA");
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_CASE(note_error_at_the_limit_returns_421_and_closes) {
  auto s = settings();
  s.max_errors = 2;
  server_protocol p(s);
  say(p, "DATA");
  auto r = p.note_error(replies::message_too_large());
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_CASE(too_long_lines_count_as_errors) {
  auto s = settings();
  s.max_errors = 2;
  server_protocol p(s);
  const framed_line overlong{.text = {}, .bare_lf = false, .too_long = true};
  BOOST_TEST(status(p.on_line(overlong)) == "500 5.5.2");
  auto r = p.on_line(overlong);
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(envelope_content)

BOOST_AUTO_TEST_CASE(a_transaction_records_helo_sender_params_and_recipients) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  say(p, "MAIL FROM:<sender@example.com> SIZE=500 BODY=8BITMIME");
  say(p, "RCPT TO:<r1@example.org>");
  say(p, "RCPT TO:<r2@example.org>");
  BOOST_TEST(say(p, "DATA").next == action::start_data);
  const envelope& e = p.current();
  BOOST_TEST(e.helo == "client.example");
  BOOST_TEST(e.helo_esmtp);
  BOOST_TEST(!e.lmtp);
  BOOST_TEST(e.mail_from == "sender@example.com");
  BOOST_TEST(e.params.size.value_or(0) == 500u);
  BOOST_TEST((e.params.body == body_type::eight_bit_mime));
  BOOST_TEST(!e.params.smtputf8);
  BOOST_REQUIRE(e.recipients.size() == 2u);
  BOOST_TEST(e.recipients[0] == "r1@example.org");
  BOOST_TEST(e.recipients[1] == "r2@example.org");
}

BOOST_AUTO_TEST_CASE(helo_is_recorded_as_not_esmtp) {
  server_protocol p(settings());
  say(p, "HELO old.example");
  BOOST_TEST(p.current().helo == "old.example");
  BOOST_TEST(!p.current().helo_esmtp);
}

BOOST_AUTO_TEST_CASE(lmtp_envelope_is_marked_lmtp) {
  auto p = in_transaction(settings(true));
  BOOST_TEST(p.current().lmtp);
  BOOST_TEST(p.current().helo_esmtp);
}

BOOST_AUTO_TEST_CASE(null_reverse_path_is_recorded_as_empty) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "MAIL FROM:<>")) == "250 2.1.0");
  BOOST_TEST(status(say(p, "RCPT TO:<r@example.org>")) == "250 2.1.5");
  BOOST_TEST(p.current().mail_from.empty());
}

BOOST_AUTO_TEST_CASE(end_transaction_forgets_the_envelope_but_not_the_greeting) {
  auto p = in_transaction();
  say(p, "RCPT TO:<r@example.org>");
  say(p, "DATA");
  p.end_transaction();
  BOOST_TEST(p.current().mail_from.empty());
  BOOST_TEST(p.current().recipients.empty());
  BOOST_TEST(!p.current().params.size.has_value());
  BOOST_TEST(p.current().helo == "client.example");
  // A new transaction may start without a new EHLO, and the old one is closed.
  BOOST_TEST(status(say(p, "RCPT TO:<r@example.org>")) == "503 5.5.1");
  BOOST_TEST(status(say(p, "MAIL FROM:<next@example.com>")) == "250 2.1.0");
  BOOST_TEST(p.current().mail_from == "next@example.com");
}

BOOST_AUTO_TEST_CASE(smtputf8_from_one_transaction_does_not_carry_into_the_next) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  say(p, "MAIL FROM:<sender@example.com> SMTPUTF8");
  BOOST_TEST(status(say(p, "RCPT TO:<" + tanaka + ">")) == "250 2.1.5");
  p.end_transaction();
  say(p, "MAIL FROM:<sender@example.com>");
  BOOST_TEST(status(say(p, "RCPT TO:<" + tanaka + ">")) == "553 5.6.7");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(recipient_verdicts)

BOOST_AUTO_TEST_CASE(rcpt_is_handed_to_the_delivery_stage_before_it_is_added) {
  server_protocol p = in_transaction();
  auto r = p.on_line(framed_line{.text = "RCPT TO:<a@example.org>"});
  BOOST_TEST((r.next == server_protocol::action::check_recipient));
  BOOST_TEST(r.wire.empty());
  BOOST_TEST(p.pending_recipient() == "a@example.org");
  BOOST_TEST(p.current().recipients.empty());
  BOOST_TEST(status(p.recipient_checked(replies::recipient_ok())) == "250 2.1.5");
  BOOST_TEST(p.current().recipients.size() == 1u);
}

BOOST_AUTO_TEST_CASE(policy_refusals_are_passed_on_and_do_not_count_as_client_errors) {
  protocol_settings s = settings();
  s.max_errors = 2;
  server_protocol p = in_transaction(s);
  for (int i = 0; i < 5; ++i) {
    p.on_line(framed_line{.text = "RCPT TO:<optedout@example.org>"});
    auto r = p.recipient_checked(reply{550, "5.7.1", "opted out"});
    BOOST_TEST(status(r) == "550 5.7.1");
    BOOST_TEST((r.next == server_protocol::action::none));
  }
  BOOST_TEST(p.current().recipients.empty());
  BOOST_TEST(status(say(p, "RCPT TO:<ok@example.org>")) == "250 2.1.5");
}

BOOST_AUTO_TEST_CASE(each_accepted_mail_starts_a_new_transaction_serial) {
  server_protocol p = in_transaction();
  const auto first = p.transaction_serial();
  BOOST_TEST(status(say(p, "RSET")) == "250 2.0.0");
  BOOST_TEST(p.transaction_serial() == first);
  BOOST_TEST(status(say(p, "MAIL FROM:<b@example.com>")) == "250 2.1.0");
  BOOST_TEST(p.transaction_serial() == first + 1);
}

BOOST_AUTO_TEST_SUITE_END()
