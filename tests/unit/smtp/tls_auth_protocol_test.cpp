// server_protocol's STARTTLS (RFC 3207) and AUTH (RFC 4954) sequencing: what is
// offered when, what is refused before TLS, the reset after the handshake, the
// 530s at MAIL, and the SASL exchanges for PLAIN and LOGIN. No sockets: the
// session's part (handshake, password check) is played by the test.
#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "relay/smtp/sasl.hpp"
#include "relay/smtp/server_protocol.hpp"
#include "tests/unit/smtp/protocol_driver.hpp"

using namespace kizuna::smtp;
using kizuna::smtp::test::say;
using kizuna::smtp::test::status;
using action = server_protocol::action;

namespace {

protocol_settings settings(bool starttls = true, bool auth = true, bool allowed = true, bool require = false) {
  protocol_settings s;
  s.hostname = "relay.example";
  s.client_allowed = allowed;
  s.starttls = starttls;
  s.tls_required = require;
  s.auth = auth;
  s.max_message_bytes = 10'000'000;
  s.max_recipients = 3;
  s.max_errors = 20;
  return s;
}

bool offers(const server_protocol::response& ehlo, std::string_view keyword) {
  return ehlo.wire.find("250-" + std::string(keyword) + "\r\n") != std::string::npos ||
         ehlo.wire.find("250 " + std::string(keyword) + "\r\n") != std::string::npos;
}

// EHLO, STARTTLS, handshake (played here), EHLO again.
server_protocol over_tls(protocol_settings s = settings()) {
  server_protocol p(s);
  BOOST_REQUIRE(say(p, "EHLO client.example").wire.starts_with("250"));
  auto r = say(p, "STARTTLS");
  BOOST_REQUIRE_EQUAL(r.next, action::start_tls);
  p.tls_started();
  BOOST_REQUIRE(say(p, "EHLO client.example").wire.starts_with("250"));
  return p;
}

std::string plain(std::string_view authzid, std::string_view user, std::string_view password) {
  std::string m(authzid);
  m += '\0';
  m += user;
  m += '\0';
  m += password;
  return base64_encode(m);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(starttls)

BOOST_AUTO_TEST_CASE(ehlo_offers_starttls_but_not_auth_before_tls) {
  server_protocol p(settings());
  auto r = say(p, "EHLO client.example");
  BOOST_TEST(offers(r, "STARTTLS"));
  BOOST_TEST(r.wire.find("AUTH") == std::string::npos);
  BOOST_TEST(r.wire.ends_with("250 ENHANCEDSTATUSCODES\r\n"));
}

BOOST_AUTO_TEST_CASE(listener_without_tls_offers_neither_and_answers_502) {
  server_protocol p(settings(false, false));
  auto r = say(p, "EHLO client.example");
  BOOST_TEST(!offers(r, "STARTTLS"));
  BOOST_TEST(status(say(p, "STARTTLS")) == "502 5.5.1");
  BOOST_TEST(status(say(p, "AUTH PLAIN")) == "502 5.5.1");
}

BOOST_AUTO_TEST_CASE(starttls_is_220_and_asks_for_the_handshake) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  auto r = say(p, "STARTTLS");
  BOOST_TEST(r.wire == "220 2.0.0 Ready to start TLS\r\n");
  BOOST_TEST(r.next == action::start_tls);
}

BOOST_AUTO_TEST_CASE(lmtp_starttls_after_lhlo) {
  auto s = settings();
  s.lmtp = true;
  server_protocol p(s);
  BOOST_TEST(status(say(p, "STARTTLS")) == "503 5.5.1");
  BOOST_TEST(offers(say(p, "LHLO client.example"), "STARTTLS"));
  BOOST_TEST(say(p, "STARTTLS").next == action::start_tls);
}

BOOST_AUTO_TEST_CASE(starttls_before_ehlo_or_after_helo_is_503) {
  server_protocol p(settings());
  auto r = say(p, "STARTTLS");
  BOOST_TEST(status(r) == "503 5.5.1");
  BOOST_TEST(r.next == action::none);
  say(p, "HELO client.example");
  BOOST_TEST(status(say(p, "STARTTLS")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(starttls_inside_a_transaction_is_503) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  BOOST_REQUIRE(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
  auto r = say(p, "STARTTLS");
  BOOST_TEST(status(r) == "503 5.5.1");
  BOOST_TEST(r.next == action::none);
}

BOOST_AUTO_TEST_CASE(after_the_handshake_the_client_must_greet_again) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  say(p, "STARTTLS");
  p.tls_started();
  BOOST_TEST(p.tls_active());
  BOOST_TEST(p.current().helo.empty());
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "503 5.5.1");
  BOOST_TEST(say(p, "EHLO client.example").wire.starts_with("250-relay.example"));
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
  BOOST_TEST(p.current().tls);
}

BOOST_AUTO_TEST_CASE(after_tls_starttls_is_no_longer_offered_and_is_503) {
  auto p = over_tls();
  auto r = say(p, "EHLO client.example");
  BOOST_TEST(!offers(r, "STARTTLS"));
  BOOST_TEST(offers(r, "AUTH PLAIN LOGIN"));
  BOOST_TEST(status(say(p, "STARTTLS")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(tls_require_refuses_mail_before_starttls_with_530) {
  server_protocol p(settings(true, false, true, true));
  say(p, "EHLO client.example");
  auto r = say(p, "MAIL FROM:<a@example.com>");
  BOOST_TEST(r.wire == "530 5.7.0 Must issue a STARTTLS command first\r\n");
  auto q = over_tls(settings(true, false, true, true));
  BOOST_TEST(status(say(q, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
}

BOOST_AUTO_TEST_CASE(without_require_mail_in_the_clear_is_accepted) {
  server_protocol p(settings(true, false, true, false));
  say(p, "EHLO client.example");
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
  BOOST_TEST(!p.current().tls);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(relay_permission)

BOOST_AUTO_TEST_CASE(outsider_on_an_auth_listener_gets_220_and_530_at_mail) {
  server_protocol p(settings(true, true, false));
  BOOST_TEST(p.greeting().starts_with("220 "));
  BOOST_TEST(say(p, "EHLO client.example").wire.starts_with("250"));
  BOOST_TEST(say(p, "MAIL FROM:<a@example.com>").wire == "530 5.7.0 Authentication required\r\n");
  BOOST_TEST(status(say(p, "RCPT TO:<b@example.com>")) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(outsider_may_relay_after_authenticating) {
  auto p = over_tls(settings(true, true, false));
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "530 5.7.0");
  auto r = say(p, "AUTH PLAIN " + plain("", "alice", "secret"));
  BOOST_REQUIRE_EQUAL(r.next, action::authenticate);
  BOOST_TEST(status(p.auth_finished(true)) == "235 2.7.0");
  BOOST_TEST(status(say(p, "MAIL FROM:<a@example.com>")) == "250 2.1.0");
  BOOST_TEST(p.current().auth_user == "alice");
}

BOOST_AUTO_TEST_CASE(outsider_on_a_listener_without_auth_keeps_the_554_greeting) {
  server_protocol p(settings(true, false, false));
  BOOST_TEST(p.greeting().starts_with("554 5.7.1 "));
  BOOST_TEST(status(say(p, "EHLO client.example")) == "554 5.7.1");
  BOOST_TEST(status(say(p, "STARTTLS")) == "554 5.7.1");
}

BOOST_AUTO_TEST_CASE(auth_without_tls_on_the_listener_cannot_open_the_door) {
  // AUTH is only ever offered over TLS, so a users file alone changes nothing.
  server_protocol p(settings(false, true, false));
  BOOST_TEST(p.greeting().starts_with("554 5.7.1 "));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(auth)

BOOST_AUTO_TEST_CASE(auth_before_tls_is_530_starttls_first) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  auto r = say(p, "AUTH PLAIN " + plain("", "alice", "secret"));
  BOOST_TEST(r.wire == "530 5.7.0 Must issue a STARTTLS command first\r\n");
  BOOST_TEST(!p.in_sasl_exchange());
}

BOOST_AUTO_TEST_CASE(plain_with_initial_response_asks_for_verification) {
  auto p = over_tls();
  auto r = say(p, "AUTH PLAIN " + plain("", "alice", "secret"));
  BOOST_TEST(r.wire.empty());
  BOOST_TEST(r.next == action::authenticate);
  BOOST_TEST(p.credentials().user == "alice");
  BOOST_TEST(p.credentials().password == "secret");
  auto done = p.auth_finished(true);
  BOOST_TEST(done.wire == "235 2.7.0 Authentication successful\r\n");
  BOOST_TEST(p.authenticated());
  BOOST_TEST(p.credentials().password.empty());
}

BOOST_AUTO_TEST_CASE(plain_via_334_continuation) {
  auto p = over_tls();
  auto r = say(p, "AUTH plain");
  BOOST_TEST(r.wire == "334 \r\n");
  BOOST_TEST(p.in_sasl_exchange());
  r = say(p, plain("alice", "alice", "secret"));  // an authzid naming the user itself is fine
  BOOST_TEST(r.next == action::authenticate);
  BOOST_TEST(!p.in_sasl_exchange());
  BOOST_TEST(status(p.auth_finished(true)) == "235 2.7.0");
}

BOOST_AUTO_TEST_CASE(login_asks_for_user_then_password) {
  auto p = over_tls();
  BOOST_TEST(say(p, "AUTH LOGIN").wire == "334 VXNlcm5hbWU6\r\n");
  BOOST_TEST(say(p, base64_encode("alice")).wire == "334 UGFzc3dvcmQ6\r\n");
  auto r = say(p, base64_encode("secret"));
  BOOST_TEST(r.next == action::authenticate);
  BOOST_TEST(p.credentials().user == "alice");
  BOOST_TEST(p.credentials().password == "secret");
}

BOOST_AUTO_TEST_CASE(login_with_the_user_as_initial_response) {
  auto p = over_tls();
  BOOST_TEST(say(p, "AUTH LOGIN " + base64_encode("alice")).wire == "334 UGFzc3dvcmQ6\r\n");
  BOOST_TEST(say(p, base64_encode("secret")).next == action::authenticate);
}

BOOST_AUTO_TEST_CASE(failed_verification_is_535_and_counts_as_an_error) {
  auto s = settings();
  s.max_errors = 2;
  auto p = over_tls(s);
  BOOST_REQUIRE(say(p, "AUTH PLAIN " + plain("", "alice", "wrong")).next == action::authenticate);
  auto r = p.auth_finished(false);
  BOOST_TEST(r.wire == "535 5.7.8 Authentication credentials invalid\r\n");
  BOOST_TEST(!p.authenticated());
  BOOST_REQUIRE(say(p, "AUTH PLAIN " + plain("", "alice", "wrong")).next == action::authenticate);
  r = p.auth_finished(false);
  BOOST_TEST(status(r) == "421 4.7.0");
  BOOST_TEST(r.next == action::close);
}

BOOST_AUTO_TEST_CASE(star_cancels_with_501) {
  auto p = over_tls();
  say(p, "AUTH PLAIN");
  auto r = say(p, "*");
  BOOST_TEST(status(r) == "501 5.0.0");
  BOOST_TEST(!p.in_sasl_exchange());
  // Back to commands.
  BOOST_TEST(status(say(p, "NOOP")) == "250 2.0.0");
}

BOOST_AUTO_TEST_CASE(unknown_mechanism_is_504) {
  auto p = over_tls();
  BOOST_TEST(status(say(p, "AUTH CRAM-MD5")) == "504 5.5.4");
  BOOST_TEST(!p.in_sasl_exchange());
}

BOOST_AUTO_TEST_CASE(bad_base64_is_501) {
  auto p = over_tls();
  BOOST_TEST(status(say(p, "AUTH PLAIN not*base64")) == "501 5.5.2");
  say(p, "AUTH PLAIN");
  BOOST_TEST(status(say(p, "QUIT")) == "501 5.5.2");  // inside the exchange, a line is SASL data
  BOOST_TEST(!p.in_sasl_exchange());
}

BOOST_AUTO_TEST_CASE(malformed_plain_message_is_501) {
  auto p = over_tls();
  BOOST_TEST(status(say(p, "AUTH PLAIN " + base64_encode("alice secret"))) == "501 5.5.2");
  BOOST_TEST(status(say(p, "AUTH PLAIN =")) == "501 5.5.2");  // empty initial response
}

BOOST_AUTO_TEST_CASE(proxy_authorization_is_refused_with_535) {
  auto p = over_tls();
  auto r = say(p, "AUTH PLAIN " + plain("bob", "alice", "secret"));
  BOOST_TEST(status(r) == "535 5.7.8");
  BOOST_TEST(r.next == action::none);
}

BOOST_AUTO_TEST_CASE(second_auth_is_503) {
  auto p = over_tls();
  say(p, "AUTH PLAIN " + plain("", "alice", "secret"));
  p.auth_finished(true);
  BOOST_TEST(status(say(p, "AUTH PLAIN " + plain("", "alice", "secret"))) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(auth_inside_a_transaction_is_503) {
  auto p = over_tls();
  say(p, "MAIL FROM:<a@example.com>");
  BOOST_TEST(status(say(p, "AUTH PLAIN " + plain("", "alice", "secret"))) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(auth_needs_ehlo_after_starttls) {
  server_protocol p(settings());
  say(p, "EHLO client.example");
  say(p, "STARTTLS");
  p.tls_started();
  BOOST_TEST(status(say(p, "AUTH PLAIN " + plain("", "alice", "secret"))) == "503 5.5.1");
}

BOOST_AUTO_TEST_CASE(overlong_sasl_line_is_500_and_ends_the_exchange) {
  auto p = over_tls();
  say(p, "AUTH PLAIN");
  auto r = p.on_line(framed_line{.text = {}, .too_long = true});
  BOOST_TEST(status(r) == "500 5.5.2");
  BOOST_TEST(!p.in_sasl_exchange());
}

BOOST_AUTO_TEST_CASE(sasl_response_may_exceed_the_command_line_limit) {
  auto p = over_tls();
  say(p, "AUTH PLAIN");
  const std::string user(200, 'u'), password(250, 'p');
  const std::string response = plain("", user, password);
  BOOST_REQUIRE_GT(response.size(), 510u);  // longer than a command line, within RFC 4954's 12288
  auto r = say(p, response);
  BOOST_TEST(r.next == action::authenticate);
  BOOST_TEST(p.credentials().user == user);
  BOOST_TEST(p.credentials().password == password);
}

BOOST_AUTO_TEST_SUITE_END()
