// DSNs for copies refused after 250 (issue 11, pure): build_dsn's structure
// (RFC 3464 / RFC 6522), values from the network that try to inject fields or
// MIME structure, bounds on huge inputs, dsn_status, and the owed/not-owed rule
// (dsn_suppressed). check_dsn.py judges the same DSNs with Python's parser.
#define BOOST_TEST_MODULE delivery_dsn
#include <boost/test/unit_test.hpp>

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "relay/delivery/dsn.hpp"

namespace kizuna::delivery {
std::ostream& operator<<(std::ostream& o, dsn_suppression s) { return o << to_string(s); }
}  // namespace kizuna::delivery

using namespace kizuna;
using namespace kizuna::delivery;
using namespace std::chrono;

namespace {

const std::string headers =
    "From: Shop <news@shop.example.jp>\r\nTo: taro@example.jp\r\nSubject: Summer sale\r\n"
    "Message-ID: <m1@shop.example.jp>\r\n\r\nDear Taro, your personal offer\r\n";

dsn_request request() {
  dsn_request r;
  r.reporting_mta = "relay.example.net";
  r.envelope_sender = "bounces@shop.example.jp";
  r.transaction_id = "0123456789ABCDEF01234567";
  r.token = "0123456789ABCDEF01234567.dsn";
  r.arrival_date = sys_days{year{2025} / 7 / 1} + hours{9};
  r.date = r.arrival_date + seconds{5};
  r.recipients.push_back(
      {"Taro@Example.JP", "taro@example.jp", {550, "5.1.1", "User unknown"}, "mx.example.jp", {}});
  r.original_headers = headers;
  return r;
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::size_t begin = 0;
  for (std::size_t end; (end = s.find("\r\n", begin)) != std::string::npos; begin = end + 2)
    out.push_back(s.substr(begin, end - begin));
  BOOST_TEST(begin == s.size());  // ends with CRLF
  return out;
}

std::string boundary_of(const std::string& dsn) {
  const auto b = dsn.find("boundary=\"") + 10;
  return dsn.substr(b, dsn.find('"', b) - b);
}

// Delimiter lines ("--b" and "--b--") in order.
std::vector<std::string> delimiters(const std::string& dsn) {
  std::vector<std::string> out;
  const std::string b = "--" + boundary_of(dsn);
  for (const auto& l : lines_of(dsn))
    if (l.starts_with(b)) out.push_back(l);
  return out;
}

// Every line: no bare CR/LF/NUL (lines_of split at CRLF), at most 998 octets.
void check_lines(const std::string& dsn, bool ascii = true) {
  BOOST_TEST(dsn.find('\0') == std::string::npos);
  for (const auto& l : lines_of(dsn)) {
    BOOST_TEST(l.size() <= 998u);
    BOOST_TEST(l.find_first_of("\r\n") == std::string::npos);
    if (ascii)
      for (const char c : l) BOOST_TEST(static_cast<unsigned char>(c) < 0x80);
  }
}

bool has_line(const std::string& dsn, std::string_view line) {
  for (const auto& l : lines_of(dsn))
    if (l == line) return true;
  return false;
}

bool any_line_starts(const std::string& dsn, std::string_view prefix) {
  for (const auto& l : lines_of(dsn))
    if (l.starts_with(prefix)) return true;
  return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(dsn_is_a_multipart_report_with_three_parts) {
  const std::string d = build_dsn(request());
  check_lines(d);
  BOOST_TEST(d.starts_with("From: \"Mail Delivery System\" <MAILER-DAEMON@relay.example.net>\r\n"));
  BOOST_TEST(has_line(d, "To: <bounces@shop.example.jp>"));
  BOOST_TEST(has_line(d, "Subject: Undelivered Mail Returned to Sender"));
  BOOST_TEST(has_line(d, "Date: Tue, 01 Jul 2025 09:00:05 +0000"));
  BOOST_TEST(has_line(d, "Message-ID: <0123456789ABCDEF01234567.dsn@relay.example.net>"));
  BOOST_TEST(has_line(d, "MIME-Version: 1.0"));
  BOOST_TEST(has_line(d, "Auto-Submitted: auto-replied"));
  BOOST_TEST(has_line(d, "Content-Type: multipart/report; report-type=delivery-status;"));
  const std::string b = "--" + boundary_of(d);
  BOOST_TEST((delimiters(d) == std::vector<std::string>{b, b, b, b + "--"}));
  const auto plain = d.find("Content-Type: text/plain; charset=utf-8");
  const auto status = d.find("Content-Type: message/delivery-status");
  const auto returned = d.find("Content-Type: text/rfc822-headers");
  BOOST_TEST((plain < status && status < returned && returned != std::string::npos));
  BOOST_TEST(d.ends_with(b + "--\r\n"));
}

BOOST_AUTO_TEST_CASE(delivery_status_has_per_message_and_per_recipient_fields) {
  auto r = request();
  r.envelope_id = "campaign-42";
  r.recipients.push_back({"", "hanako@example.jp", {554, "", "Rejected"}, "", r.date - seconds{3}});
  const std::string d = build_dsn(r);
  const std::string status = d.substr(d.find("Reporting-MTA:"));
  BOOST_TEST(status.starts_with("Reporting-MTA: dns; relay.example.net\r\nOriginal-Envelope-Id: campaign-42\r\n"
                                "Arrival-Date: Tue, 01 Jul 2025 09:00:00 +0000\r\n\r\n"
                                "Original-Recipient: rfc822; Taro@Example.JP\r\n"
                                "Final-Recipient: rfc822; taro@example.jp\r\nAction: failed\r\nStatus: 5.1.1\r\n"
                                "Remote-MTA: dns; mx.example.jp\r\nDiagnostic-Code: smtp; 550 5.1.1 User unknown\r\n"
                                "Last-Attempt-Date: Tue, 01 Jul 2025 09:00:05 +0000\r\n\r\n"
                                "Final-Recipient: rfc822; hanako@example.jp\r\nAction: failed\r\nStatus: 5.0.0\r\n"
                                "Diagnostic-Code: smtp; 554 Rejected\r\n"
                                "Last-Attempt-Date: Tue, 01 Jul 2025 09:00:02 +0000\r\n\r\n--"));
  // Without an ENVID there is no Original-Envelope-Id.
  BOOST_TEST(build_dsn(request()).find("Original-Envelope-Id") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(status_comes_from_the_enhanced_code_or_the_basic_one) {
  BOOST_TEST(dsn_status({550, "5.1.1", ""}) == "5.1.1");
  BOOST_TEST(dsn_status({552, "5.2.2", ""}) == "5.2.2");
  BOOST_TEST(dsn_status({550, "", ""}) == "5.0.0");
  BOOST_TEST(dsn_status({451, "4.4.1", ""}) == "5.4.1");  // given up on
  BOOST_TEST(dsn_status({550, "2.0.0", ""}) == "5.0.0");
  BOOST_TEST(dsn_status({550, "5.1234.1", ""}) == "5.0.0");
  BOOST_TEST(dsn_status({550, "5.1.1\r\nX-Injected: 1", ""}) == "5.0.0");
  BOOST_TEST(dsn_status({550, "5.1.", ""}) == "5.0.0");
}

BOOST_AUTO_TEST_CASE(human_readable_part_names_recipient_and_reply_and_says_the_body_is_not_returned) {
  const std::string d = build_dsn(request());
  BOOST_TEST(has_line(d, "<taro@example.jp> (originally <Taro@Example.JP>): host mx.example.jp said:"));
  BOOST_TEST(has_line(d, "    550 5.1.1 User unknown"));
  BOOST_TEST(has_line(d, "Transaction: 0123456789ABCDEF01234567"));
  BOOST_TEST(d.find("Its body is not returned") != std::string::npos);
  BOOST_TEST(has_line(d, "Content-Transfer-Encoding: 7bit"));
}

BOOST_AUTO_TEST_CASE(original_headers_are_returned_without_the_body) {
  const std::string d = build_dsn(request());
  BOOST_TEST(d.find("From: Shop <news@shop.example.jp>\r\nTo: taro@example.jp\r\nSubject: Summer sale\r\n"
                    "Message-ID: <m1@shop.example.jp>\r\n") != std::string::npos);
  BOOST_TEST(d.find("personal offer") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(crlf_in_network_values_cannot_add_fields) {
  auto r = request();
  r.envelope_sender = "bounces@shop.example.jp\r\nBcc: victim@example.com";
  r.envelope_id = "id\r\nX-Injected: envid";
  r.recipients[0].original = "a@example.jp\r\nX-Injected: orig";
  r.recipients[0].final = "b@example.jp\nX-Injected: final";
  r.recipients[0].reply = {550, "5.1.1\r\nX-Injected: enhanced", "unknown\r\nX-Injected: reply\r\n\r\nbody"};
  r.recipients[0].remote_mta = "mx.example.jp\r\nX-Injected: remote";
  const std::string d = build_dsn(r);
  check_lines(d);
  BOOST_TEST(!any_line_starts(d, "X-Injected"));
  BOOST_TEST(!any_line_starts(d, "Bcc"));
  BOOST_TEST(!any_line_starts(d, "body"));
  // The quoted local part keeps the sender one address.
  BOOST_TEST(has_line(d, "To: <\"bounces@shop.example.jp Bcc: victim\"@example.com>"));
  BOOST_TEST(has_line(d, "Status: 5.0.0"));
  BOOST_TEST(has_line(d, "Final-Recipient: rfc822; b@example.jp X-Injected: final"));
}

BOOST_AUTO_TEST_CASE(boundary_never_occurs_in_the_content) {
  const std::string first = boundary_of(build_dsn(request()));
  auto r = request();
  const std::string trap = "\r\n--" + first + "\r\nContent-Type: text/html\r\n\r\n<script>\r\n--" + first + "--";
  r.recipients[0].reply.text = "unknown" + trap;
  r.recipients[0].final = "x" + trap + "@example.jp";
  const std::string hdrs = "Subject: hi\r\nX-Trap: --" + first + "\r\n --" + first + ".1\r\n\r\n";
  r.original_headers = hdrs;
  const std::string d = build_dsn(r);
  const std::string b = boundary_of(d);
  BOOST_TEST(b != first);
  BOOST_TEST(b != first + ".1");
  BOOST_TEST(b.size() <= 70u);
  // The boundary appears only in the Content-Type field and the four delimiter lines.
  std::size_t count = 0;
  for (std::size_t at = 0; (at = d.find(b, at)) != std::string::npos; at += b.size()) ++count;
  BOOST_TEST(count == 5u);
  BOOST_TEST(delimiters(d).size() == 4u);
}

BOOST_AUTO_TEST_CASE(non_ascii_addresses_use_the_utf8_address_type) {
  auto r = request();
  r.recipients[0].original = "山田+tag=1@例え.jp";
  r.recipients[0].final = "山田@例え.jp";
  r.recipients[0].reply.text = "ユーザー不明";
  const std::string d = build_dsn(r);
  check_lines(d);
  BOOST_TEST(has_line(d, "Original-Recipient: utf-8; \\x{5C71}\\x{7530}\\x{2B}tag\\x{3D}1@\\x{4F8B}\\x{3048}.jp"));
  BOOST_TEST(has_line(d, "Final-Recipient: utf-8; \\x{5C71}\\x{7530}@\\x{4F8B}\\x{3048}.jp"));
  BOOST_TEST(has_line(d, "Diagnostic-Code: smtp; 550 5.1.1 ??????"));
  // The human-readable part keeps the text, quoted-printable.
  BOOST_TEST(has_line(d, "Content-Transfer-Encoding: quoted-printable"));
  BOOST_TEST(d.find("=E3=83=A6=E3=83=BC") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(non_ascii_sender_is_a_utf8_to_field_only) {
  auto r = request();
  r.envelope_sender = "送信@例え.jp";
  const std::string d = build_dsn(r);
  check_lines(d, false);
  std::size_t non_ascii_lines = 0;
  for (const auto& l : lines_of(d))
    for (const char c : l)
      if (static_cast<unsigned char>(c) >= 0x80) {
        BOOST_TEST(l == "To: <送信@例え.jp>");
        ++non_ascii_lines;
        break;
      }
  BOOST_TEST(non_ascii_lines == 1u);
}

BOOST_AUTO_TEST_CASE(to_field_quotes_odd_local_parts_and_names_no_one_for_non_addresses) {
  auto r = request();
  r.envelope_sender = "taro..yamada.@docomo.ne.jp";
  BOOST_TEST(has_line(build_dsn(r), "To: <\"taro..yamada.\"@docomo.ne.jp>"));
  r.envelope_sender = "\"a b\\\"c\"@example.jp";
  BOOST_TEST(has_line(build_dsn(r), "To: <\"a b\\\"c\"@example.jp>"));
  r.envelope_sender = "\"alice\"@example.jp";
  BOOST_TEST(has_line(build_dsn(r), "To: <alice@example.jp>"));
  r.envelope_sender = "user@[192.0.2.1]";
  BOOST_TEST(has_line(build_dsn(r), "To: <user@[192.0.2.1]>"));
  r.envelope_sender = "no-at-sign";
  BOOST_TEST(has_line(build_dsn(r), "To: undisclosed-recipients:;"));
  r.envelope_sender = "a@bad domain";
  BOOST_TEST(has_line(build_dsn(r), "To: undisclosed-recipients:;"));
  r.envelope_sender = "a@x>, b@example.jp";  // one address, quoted: not two
  BOOST_TEST(has_line(build_dsn(r), "To: <\"a@x>, b\"@example.jp>"));
}

BOOST_AUTO_TEST_CASE(huge_inputs_are_bounded) {
  auto r = request();
  std::string text;
  while (text.size() < 1024 * 1024) text += "verbose ";
  text += std::string(3000, 'y');
  r.recipients[0].reply.text = text;
  r.recipients[0].final = std::string(5000, 'z') + "@example.jp";
  r.recipients[0].remote_mta = std::string(5000, 'm');
  std::string hdrs;
  for (int i = 0; hdrs.size() < 200 * 1024; ++i)
    hdrs += "Received: from hop" + std::to_string(i) + ".example.net; " + std::string(100, 'r') + "\r\n";
  hdrs += "X-Long: " + std::string(5000, 'l') + "\r\n\r\nbody\r\n";
  r.original_headers = hdrs;
  const std::string d = build_dsn(r);
  check_lines(d);
  BOOST_TEST(d.size() < 80 * 1024u);
  // Diagnostic-Code: at most dsn_max_reply_text octets of text, folded.
  const auto diag = d.find("Diagnostic-Code:");
  const auto diag_end = d.find("\r\nLast-Attempt-Date", diag);
  BOOST_TEST(diag_end - diag < dsn_max_reply_text + 100);
  BOOST_TEST(d.substr(diag, diag_end - diag).find("...") != std::string::npos);
  // Returned headers: whole fields only, within the limit.
  const auto part = d.find("\r\n\r\n", d.find("Content-Type: text/rfc822-headers")) + 4;
  const auto part_end = d.find("\r\n--" + boundary_of(d) + "--", part);
  const std::string returned = d.substr(part, part_end - part);
  BOOST_TEST(returned.size() <= dsn_max_original_headers + 2);
  BOOST_TEST(returned.size() > dsn_max_original_headers - 200);
  BOOST_TEST(returned.ends_with(std::string(100, 'r') + "\r\n"));
  BOOST_TEST(returned.find("X-Long") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(eight_bit_or_broken_original_headers_are_quoted_printable) {
  auto r = request();
  const std::string hdrs = std::string("Subject: 夏のセール\r\nX-Bare: a\nX-Nul: a") + '\0' + "b\rX-CR: c\r\n\r\n";
  r.original_headers = hdrs;
  const std::string d = build_dsn(r);
  check_lines(d);
  const auto part = d.find("Content-Type: text/rfc822-headers");
  BOOST_TEST(d.substr(part).starts_with("Content-Type: text/rfc822-headers\r\n"
                                        "Content-Transfer-Encoding: quoted-printable\r\n\r\nSubject: =E5=A4=8F"));
  BOOST_TEST(d.find("X-Bare: a\r\nX-Nul: ab\r\nX-CR: c\r\n", part) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(same_request_gives_the_same_bytes) {
  BOOST_TEST(build_dsn(request()) == build_dsn(request()));
  auto r = request();
  r.token = "other";
  BOOST_TEST(has_line(build_dsn(r), "Message-ID: <other@relay.example.net>"));
  r.token = "\r\n<>@";
  r.reporting_mta = "relay.example.net\r\nX-Injected: 1";
  const std::string d = build_dsn(r);
  BOOST_TEST(has_line(d, "Message-ID: <dsn@relay.example.netX-Injected1>"));
  BOOST_TEST(!any_line_starts(d, "X-Injected"));
}

BOOST_AUTO_TEST_CASE(null_sender_never_gets_a_dsn) {
  BOOST_TEST(dsn_suppressed("", headers) == dsn_suppression::null_sender);
  BOOST_TEST(dsn_suppressed("<>", headers) == dsn_suppression::null_sender);
  BOOST_TEST(dsn_suppressed("bounces@shop.example.jp", headers) == dsn_suppression::none);
  BOOST_TEST(dsn_suppressed("bounces@shop.example.jp", "") == dsn_suppression::none);
}

BOOST_AUTO_TEST_CASE(a_delivery_report_never_gets_a_dsn) {
  const auto s = [](std::string_view ct) {
    return dsn_suppressed("x@example.jp", "Subject: r\r\nContent-Type: " + std::string(ct) + "\r\n\r\n");
  };
  BOOST_TEST(s("multipart/report; report-type=delivery-status; boundary=x") == dsn_suppression::delivery_report);
  BOOST_TEST(s("Multipart/Report; boundary=x;\r\n report-type=\"Delivery-Status\"") ==
             dsn_suppression::delivery_report);
  BOOST_TEST(s("multipart/report; report-type=disposition-notification") == dsn_suppression::delivery_report);
  BOOST_TEST(s("multipart/report; report-type=feedback-report") == dsn_suppression::none);
  BOOST_TEST(s("multipart/mixed; report-type=delivery-status") == dsn_suppression::none);
  // A DSN build_dsn made is itself recognized.
  BOOST_TEST(dsn_suppressed("x@example.jp", build_dsn(request())) == dsn_suppression::delivery_report);
}

BOOST_AUTO_TEST_CASE(auto_replies_get_no_dsn_but_auto_generated_campaign_mail_does) {
  const auto s = [](std::string_view value, bool bounce_auto_generated = true) {
    return dsn_suppressed("x@example.jp", "Auto-Submitted: " + std::string(value) + "\r\nSubject: s\r\n\r\n",
                          bounce_auto_generated);
  };
  BOOST_TEST(s("no") == dsn_suppression::none);
  BOOST_TEST(s("No (a person wrote this)") == dsn_suppression::none);
  BOOST_TEST(s("auto-replied") == dsn_suppression::auto_response);
  BOOST_TEST(s("(vacation) Auto-Replied; owner-email=\"a@example.jp\"") == dsn_suppression::auto_response);
  BOOST_TEST(s("auto-notified") == dsn_suppression::auto_response);
  BOOST_TEST(s("auto-generated") == dsn_suppression::none);
  BOOST_TEST(s("auto-generated", false) == dsn_suppression::auto_response);
  BOOST_TEST(s("") == dsn_suppression::none);
  // Only the message's own header block counts, not its body.
  BOOST_TEST(dsn_suppressed("x@example.jp", "Subject: s\r\n\r\nAuto-Submitted: auto-replied\r\n") ==
             dsn_suppression::none);
  BOOST_TEST(std::string(to_string(dsn_suppression::auto_response)) == "message is an automatic response");
}
