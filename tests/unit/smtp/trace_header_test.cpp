// The Received: header's "with" keyword (RFC 3848, RFC 6531) and layout.
#include "relay/smtp/trace_header.hpp"

#include <boost/test/unit_test.hpp>

using namespace kizuna::smtp;

namespace {
envelope esmtp() {
  envelope e;
  e.id = "0000000A000001";
  e.client_address = "[192.0.2.1]:40000";
  e.helo = "client.example";
  e.helo_esmtp = true;
  e.recipients = {"rcpt@example.com"};
  return e;
}
}  // namespace

BOOST_AUTO_TEST_CASE(with_keyword_says_tls_and_auth) {
  auto e = esmtp();
  BOOST_TEST(received_protocol(e) == "ESMTP");
  e.tls = true;
  BOOST_TEST(received_protocol(e) == "ESMTPS");
  e.auth_user = "alice";
  BOOST_TEST(received_protocol(e) == "ESMTPSA");
  e.tls = false;
  BOOST_TEST(received_protocol(e) == "ESMTPA");
}

BOOST_AUTO_TEST_CASE(lmtp_and_smtputf8_variants) {
  auto e = esmtp();
  e.lmtp = true;
  e.tls = true;
  BOOST_TEST(received_protocol(e) == "LMTPS");
  e.params.smtputf8 = true;
  BOOST_TEST(received_protocol(e) == "UTF8LMTPS");
  e.lmtp = false;
  e.auth_user = "alice";
  BOOST_TEST(received_protocol(e) == "UTF8SMTPSA");
}

BOOST_AUTO_TEST_CASE(helo_is_plain_smtp) {
  auto e = esmtp();
  e.helo_esmtp = false;
  BOOST_TEST(received_protocol(e) == "SMTP");
}

BOOST_AUTO_TEST_CASE(header_layout_and_a_hostile_helo) {
  auto e = esmtp();
  e.tls = true;
  e.helo = "evil)\r\nX-Injected: yes";
  BOOST_TEST(received_header(e, "relay.example", "Sun, 22 Nov 2026 15:00:00 +0000") ==
             "Received: from evil???X-Injected:?yes ([192.0.2.1]:40000)\r\n"
             "\tby relay.example (Kizuna) with ESMTPS id 0000000A000001\r\n"
             "\tfor <rcpt@example.com>; Sun, 22 Nov 2026 15:00:00 +0000\r\n");
}

BOOST_AUTO_TEST_CASE(the_auth_identity_is_not_disclosed) {
  auto e = esmtp();
  e.auth_user = "alice";
  BOOST_TEST(received_header(e, "relay.example", "date").find("alice") == std::string::npos);
}
