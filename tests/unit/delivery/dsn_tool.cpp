// Test driver for check_dsn.py (not installed): prints the DSN build_dsn()
// makes for one case, so Python's email package can judge it independently.
//   dsn_tool CASE            CASE: basic, no_enhanced, multi, injection, utf8, huge
//   dsn_tool headers FILE    the basic case with FILE (a message) as the original
// The DSN goes to stdout as is (CRLF, not dot-stuffed). check_dsn.py holds the
// expectations for each case; the values below are its inputs.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "relay/delivery/dsn.hpp"

using namespace kizuna::delivery;
using namespace std::chrono;

namespace {

constexpr const char* token = "0123456789ABCDEF01234567.dsn";
constexpr const char* boundary = "=_kizuna-dsn_0123456789ABCDEF01234567.dsn";

const std::string basic_headers =
    "Received: from client.example.jp by relay.example.net with ESMTP id 0123456789ABCDEF01234567\r\n"
    "From: Shop <news@shop.example.jp>\r\nTo: taro@example.jp\r\nSubject: Summer sale\r\n"
    "Message-ID: <m1@shop.example.jp>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n"
    "\r\nDear Taro, your personal offer: ...\r\n";

dsn_request basic() {
  dsn_request r;
  r.reporting_mta = "relay.example.net";
  r.envelope_sender = "bounces@shop.example.jp";
  r.envelope_id = "campaign-42";
  r.transaction_id = "0123456789ABCDEF01234567";
  r.token = token;
  r.arrival_date = sys_days{year{2025} / 7 / 1} + hours{9};
  r.date = r.arrival_date + seconds{5};
  r.recipients.push_back({"Taro@Example.JP", "taro@example.jp",
                          {550, "5.1.1", "<taro@example.jp>: Recipient address rejected: User unknown"},
                          "mx.example.jp", {}});
  r.original_headers = basic_headers;
  return r;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: dsn_tool CASE | dsn_tool headers FILE\n";
    return 2;
  }
  const std::string what = argv[1];
  dsn_request r = basic();
  std::string storage;
  if (what == "basic") {
  } else if (what == "headers" && argc == 3) {
    std::ifstream in(argv[2], std::ios::binary);
    if (!in) {
      std::cerr << "cannot read " << argv[2] << '\n';
      return 1;
    }
    std::ostringstream s;
    s << in.rdbuf();
    storage = s.str();
    r.original_headers = storage;
  } else if (what == "no_enhanced") {
    r.recipients[0].reply = {550, "", "User unknown"};
    r.recipients[0].remote_mta.clear();
    r.recipients[0].original.clear();
    r.envelope_id.clear();
  } else if (what == "multi") {
    r.recipients.push_back({"", "hanako@example.jp", {554, "5.7.1", "Relay access denied"}, "mx2.example.jp",
                            r.date - seconds{1}});
    r.recipients.push_back({"jiro@example.jp", "jiro@example.jp", {552, "", "Mailbox full"}, "", {}});
  } else if (what == "injection") {
    const std::string b = boundary;
    r.envelope_sender = "bounces@shop.example.jp\r\nBcc: victim@example.com";
    r.envelope_id = "id\r\nX-Injected: envid";
    r.recipients[0].original = "a\r\n--" + b + "--\r\nX-Injected: orig@example.jp";
    r.recipients[0].final = "evil@example.com\r\nX-Injected: final\r\n\r\n--" + b + "\r\nContent-Type: text/html";
    r.recipients[0].reply.text = "User unknown\r\nX-Injected: reply\r\n\r\n--" + b +
                                 "\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>\r\n--" + b + "--\n\0x";
    r.recipients[0].reply.enhanced = "5.1.1\r\nX-Injected: enhanced";
    r.recipients[0].remote_mta = "mx.example.jp\r\nX-Injected: remote";
    storage = "Subject: hi\r\nX-Trap: --" + b + "\r\n --" + b + ".1--\r\nX-Bare: a\nX-Nul: a" + std::string(1, '\0') +
              "b\r\n\r\n--" + b + "\r\nContent-Type: text/html\r\n\r\nbody\r\n";
    r.original_headers = storage;
    r.token = std::string(token) + "\r\n--";
  } else if (what == "utf8") {
    r.envelope_sender = "送信@例え.jp";
    r.recipients[0].original = "山田+tag=1@例え.jp";
    r.recipients[0].final = "山田+tag=1@例え.jp";
    r.recipients[0].reply = {550, "5.1.1", "ユーザー不明 (user unknown) \xff\xfe"};
    storage = "Subject: =?UTF-8?B?5aSP44Gu44K744O844Or?=\r\nX-Raw: 夏のセール\r\n\r\n本文\r\n";
    r.original_headers = storage;
  } else if (what == "huge") {
    std::string text;
    while (text.size() < 1024 * 1024) text += "verbose-diagnostic-word ";
    text += std::string(5000, 'y');
    r.recipients[0].reply.text = text;
    r.recipients[0].final = std::string(5000, 'z') + "@example.jp";
    r.recipients[0].remote_mta = std::string(5000, 'm');
    for (int i = 0; storage.size() < 200 * 1024; ++i)
      storage += "Received: from hop" + std::to_string(i) + ".example.net by relay.example.net; " +
                 std::string(100, 'r') + "\r\n";
    storage += "X-Long: " + std::string(5000, 'l') + "\r\nSubject: huge\r\n\r\nbody\r\n";
    r.original_headers = storage;
  } else {
    std::cerr << "unknown case " << what << '\n';
    return 2;
  }
  std::cout << build_dsn(r);
  return 0;
}
