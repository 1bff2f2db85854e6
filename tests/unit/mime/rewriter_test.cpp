#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/mime/encoded_word.hpp"
#include "relay/mime/rewriter.hpp"

using namespace kizuna::mime;

namespace {
const std::string simple =
    "From: old@example.jp\r\n"
    "To: list@example.jp\r\n"
    "Subject: =?UTF-8?B?5pel5pys?=\r\n"
    "X-Kizuna-Campaign: c1\r\n"
    "x-kizuna-category:\r\n newsletter\r\n"
    "Received: a\r\n"
    "Received: b\r\n"
    "Content-Type: text/plain; charset=ISO-2022-JP\r\n"
    "\r\n"
    "\x1b$B$3$s$K$A$O\x1b(B\r\n";
}

BOOST_AUTO_TEST_SUITE(rewriting)

BOOST_AUTO_TEST_CASE(top_level_headers_are_replaced_in_place_removed_and_added) {
  const message m = message::parse(simple);
  rewriter rw(m);
  BOOST_TEST(rw.set_header_text(0, "Subject", "【ご案内】山田様へ"));
  BOOST_TEST(rw.set_header(0, "To", format_mailbox("山田 太郎", "yamada@example.jp", 2, m.newline())));
  BOOST_TEST(rw.set_header(0, "Message-ID", "<r1.c1@relay.example.jp>"));
  BOOST_TEST(rw.set_header(0, "Reply-To", "sales@example.jp"));
  rw.remove_headers_with_prefix(0, "X-Kizuna-");
  const message out = message::parse(rw.render());
  const auto& f = out.root().fields;
  BOOST_REQUIRE_EQUAL(f.size(), 8u);
  BOOST_TEST(f[0].name == "From");
  BOOST_TEST(f[1].name == "To");  // in place
  BOOST_TEST(decode_header_value(f[1].value) == "山田 太郎 <yamada@example.jp>");
  BOOST_TEST(decode_header_value(f[2].value) == "【ご案内】山田様へ");
  BOOST_TEST(f[3].name == "Received");
  BOOST_TEST(f[6].name == "Message-ID");  // appended, in call order
  BOOST_TEST(f[7].name == "Reply-To");
  BOOST_TEST(out.root().field("X-Kizuna-Category") == nullptr);
  BOOST_TEST(out.slice(out.root().body) == m.slice(m.root().body));
}

BOOST_AUTO_TEST_CASE(set_header_replaces_every_field_of_that_name_once) {
  const message m = message::parse(simple);
  rewriter rw(m);
  BOOST_TEST(rw.set_header(0, "received", "one"));
  BOOST_TEST(rw.set_header(0, "RECEIVED", "two"));  // a later call wins
  const std::string out = rw.render();
  BOOST_TEST(out.find("Received: a") == std::string::npos);
  BOOST_TEST(out.find("Received: b") == std::string::npos);
  BOOST_TEST(out.find("RECEIVED: two\r\n") != std::string::npos);
  BOOST_TEST(message::parse(out).root().fields.size() == m.root().fields.size() - 1);
}

BOOST_AUTO_TEST_CASE(values_that_would_inject_fields_are_refused) {
  const message m = message::parse(simple);
  rewriter rw(m);
  BOOST_TEST(!rw.set_header(0, "Subject", "x\r\nBcc: victim@example.com"));
  BOOST_TEST(!rw.set_header(0, "Subject", "x\nBcc: victim@example.com"));
  BOOST_TEST(!rw.set_header(0, "Subject", "x\rBcc"));
  BOOST_TEST(!rw.set_header(0, "Bad Name", "x"));
  BOOST_TEST(!rw.add_header(0, "X-A", std::string("a\0b", 3)));
  BOOST_TEST(!rw.set_header(7, "Subject", "x"));
  BOOST_TEST(rw.set_header(0, "Subject", "folded\r\n value"));
  BOOST_TEST(rw.render().find("Subject: folded\r\n value\r\n") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(header_insertions_work_without_a_separator_or_final_line_end) {
  const message no_sep = message::parse("Subject: x\r\nbody without blank line\r\n");
  rewriter a(no_sep);
  a.add_header(0, "X-New", "1");
  BOOST_TEST(a.render() == "Subject: x\r\nX-New: 1\r\n\r\nbody without blank line\r\n");
  const message unterminated = message::parse("Subject: x");
  rewriter b(unterminated);
  b.add_header(0, "X-New", "1");
  b.add_header(0, "X-New2", "2");
  BOOST_TEST(b.render() == "Subject: x\r\nX-New: 1\r\nX-New2: 2\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(a_new_body_never_reads_as_header_fields) {
  const message m = message::parse(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nno headers here\r\n--b--\r\n");
  BOOST_REQUIRE_EQUAL(m.parts().size(), 2u);
  BOOST_TEST(!m.at(1).has_separator);
  rewriter rw(m);
  BOOST_REQUIRE(rw.replace_body(1, "Bcc: victim@example.com"));
  const message out = message::parse(rw.render());
  BOOST_TEST(out.at(1).fields.empty());
  BOOST_TEST(out.slice(out.at(1).body) == "Bcc: victim@example.com");
  const message bare = message::parse("Subject: x");
  rewriter rb(bare);
  BOOST_REQUIRE(rb.replace_body(0, "To: y"));
  BOOST_TEST(rb.render() == "Subject: x\r\n\r\nTo: y");
}

BOOST_AUTO_TEST_CASE(replacing_an_empty_body_keeps_the_delimiter_on_its_own_line) {
  const message m = message::parse(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\n--b--\r\n");
  rewriter rw(m);
  BOOST_REQUIRE(rw.replace_text(1, "hello").has_value());
  const std::string out = rw.render();
  BOOST_TEST(out == "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n");
  BOOST_TEST(!rw.replace_body(0, "x"));  // a multipart's body is its children
}

BOOST_AUTO_TEST_CASE(charset_fallback_rewrites_content_type_only) {
  const message m = message::parse(simple);
  rewriter rw(m);
  BOOST_REQUIRE(rw.replace_text(0, "こんにちは 🎉\n").has_value());
  const message out = message::parse(rw.render());
  BOOST_TEST(out.root().type.param("charset") == "UTF-8");
  BOOST_TEST(out.root().field("Content-Transfer-Encoding")->value == "quoted-printable");
  BOOST_TEST(out.root().field("MIME-Version")->value == "1.0");
  BOOST_TEST(read_text(out, 0)->utf8 == "こんにちは 🎉\n");
  BOOST_TEST(out.root().field("Subject")->value == "=?UTF-8?B?5pel5pys?=");
}

BOOST_AUTO_TEST_CASE(new_text_never_adds_a_delimiter_line) {
  // A 7bit/8bit text part whose new text has a line starting with "--" and the
  // boundary of any multipart of the message (the inner, the outer, a sibling's;
  // trailing whitespace or not) goes quoted-printable, which writes "=2D-";
  // the part tree stays as it was. Other "--" lines keep the identity encoding.
  const std::string src =
      "Content-Type: multipart/mixed; boundary=\"out\"\r\n\r\n"
      "--out\r\nContent-Type: multipart/alternative; boundary=in\r\n\r\n"
      "--in\r\nContent-Type: text/plain\r\n\r\nx\r\n"
      "--in\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\nx\r\n--in--\r\n"
      "--out\r\nContent-Type: multipart/related; boundary=rel\r\n\r\n"
      "--rel\r\nContent-Type: text/plain\r\n\r\ny\r\n--rel--\r\n--out--\r\n";
  const message m = message::parse(src);
  BOOST_REQUIRE(m.parts().size() == 6u);
  struct row {
    std::string_view text;
    bool identity;
  };
  for (const row& r : {row{"--in", false}, row{"a\n--in--", false}, row{"--out", false}, row{"--out--  ", false},
                       row{"--rel", false}, row{"--inner", false}, row{"-- \nsig", true}, row{"--x", true},
                       row{"a--in", true}, row{"-\n-in", true}}) {
    for (const part_id id : {part_id{2}, part_id{3}}) {
      BOOST_TEST_CONTEXT(r.text << " in part " << id) {
        rewriter rw(m);
        BOOST_REQUIRE(rw.replace_text(id, r.text).has_value());
        const std::string out = rw.render();
        const message copy = message::parse(out);
        BOOST_REQUIRE(copy.parts().size() == m.parts().size());
        for (part_id k = 0; k < m.parts().size(); ++k) BOOST_TEST(copy.at(k).children == m.at(k).children);
        BOOST_TEST(read_text(copy, id)->utf8 == r.text);
        BOOST_TEST(((copy.at(id).encoding == transfer_encoding::quoted_printable) == !r.identity));
      }
    }
  }
  // A single-part message has no boundary: a "--" line is only text.
  const message single = message::parse("Content-Type: text/plain\r\n\r\nx\r\n");
  BOOST_TEST((encode_text(single, 0, "--x\n--")->encoding == transfer_encoding::seven_bit));
}

BOOST_AUTO_TEST_CASE(encode_text_reports_errors_as_data) {
  const message m = message::parse(
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: image/png\r\n\r\nx\r\n"
      "--b\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nx\r\n"
      "--b\r\nContent-Type: text/plain; charset=x-klingon\r\n\r\nx\r\n--b--\r\n");
  BOOST_TEST((encode_text(m, 0, "x").error() == text_error::not_text));
  BOOST_TEST((encode_text(m, 1, "x").error() == text_error::not_text));
  BOOST_TEST((encode_text(m, 2, "x").error() == text_error::unknown_transfer_encoding));
  BOOST_TEST((read_text(m, 3).error() == text_error::unknown_charset));
  BOOST_TEST((encode_text(m, 3, "\xff").error() == text_error::invalid_utf8));
  BOOST_TEST((read_text(m, 99).error() == text_error::not_text));
  // An unknown charset: the new text goes out as UTF-8.
  const auto t = encode_text(m, 3, "hello");
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(t->charset == "UTF-8");
}

BOOST_AUTO_TEST_SUITE_END()
