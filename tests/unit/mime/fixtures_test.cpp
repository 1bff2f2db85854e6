// Golden fixtures (tests/fixtures/mime, written by make_fixtures.py): decoded
// text parts against <name>.<part>.txt, byte-identical round trips, and copies
// with replaced text parts that re-parse to the new text with everything else
// untouched. check_mime.py runs the same copies through Python's email package.
#include <boost/test/unit_test.hpp>

#include <string>
#include <vector>

#include "fixture_files.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/rewriter.hpp"
#include "relay/mime/text_part.hpp"

using namespace kizuna::mime;
using kizuna::mime::test::read_fixture;

namespace {

const std::vector<std::string> fixtures = {
    "alternative_iso2022jp", "mixed_pdf",   "related_png",  "sjis_base64",  "utf8_8bit",
    "plain_no_mime",         "missing_close_boundary",      "bare_lf",      "header_8bit",
    "long_line",             "deep_nesting", "truncated_base64", "missing_boundary"};

message load(const std::string& name) {
  auto bytes = read_fixture(name + ".eml");
  BOOST_REQUIRE_MESSAGE(bytes.has_value(), "missing fixture " << name);
  return message::parse(std::move(*bytes));
}

std::vector<std::string> types(const message& m) {
  std::vector<std::string> t;
  for (const part& p : m.parts()) t.push_back(p.type.mime_type());
  return t;
}

std::string decoded_body(const message& m, part_id id) {
  return decode_transfer(m.slice(m.at(id).body), m.at(id).encoding).data;
}

// Replaces part `id` with `text`, re-parses the output, and checks that the part
// reads back as `text` and every other leaf is byte-identical (headers and body).
message replace_and_check(const message& m, part_id id, const std::string& text) {
  rewriter rw(m);
  BOOST_REQUIRE(rw.replace_text(id, text).has_value());
  message out = message::parse(rw.render());
  BOOST_REQUIRE_EQUAL(out.parts().size(), m.parts().size());
  BOOST_TEST(types(out) == types(m), boost::test_tools::per_element());
  const auto back = read_text(out, id);
  BOOST_REQUIRE(back.has_value());
  BOOST_TEST(back->utf8 == text);
  BOOST_TEST(!back->lossy);
  for (part_id k = 0; k < m.parts().size(); ++k) {
    if (k == id || !m.at(k).children.empty()) continue;
    BOOST_TEST(out.slice(out.at(k).header) == m.slice(m.at(k).header));
    BOOST_TEST(out.slice(out.at(k).body) == m.slice(m.at(k).body));
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(golden_fixtures)

BOOST_AUTO_TEST_CASE(text_parts_decode_to_the_expected_utf8) {
  for (const auto& name : fixtures) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const message m = load(name);
      if (auto subject = read_fixture(name + ".subject.txt")) {
        const header_field* f = m.root().field("Subject");
        BOOST_REQUIRE(f != nullptr);
        BOOST_TEST(decode_header_value(f->value) == *subject);
      }
      for (part_id id = 0; id < m.parts().size(); ++id) {
        const auto expected = read_fixture(name + "." + std::to_string(id) + ".txt");
        if (!expected) continue;
        const auto t = read_text(m, id);
        BOOST_REQUIRE(t.has_value());
        BOOST_TEST(t->utf8 == *expected);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(round_trip_without_edits_is_byte_identical) {
  for (const auto& name : fixtures) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const message m = load(name);
      BOOST_TEST(rewriter(m).render() == m.bytes());
    }
  }
}

BOOST_AUTO_TEST_CASE(every_personalizable_part_can_be_replaced_in_every_fixture) {
  for (const auto& name : fixtures) {
    BOOST_TEST_CONTEXT("fixture " << name) {
      const message m = load(name);
      for (part_id id : personalizable_parts(m)) {
        const auto t = read_text(m, id);
        BOOST_REQUIRE(t.has_value());
        std::string text = t->utf8;
        for (std::string::size_type p; (p = text.find("{{last_name}}")) != std::string::npos;)
          text.replace(p, 13, "山田");
        replace_and_check(m, id, text + "追伸：ご来店お待ちしております。\n");
        replace_and_check(m, id, text + "🎉 ①髙ｱ\n");  // not representable in JIS charsets
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(alternative_iso2022jp_keeps_its_charset_or_falls_back_to_utf8_qp) {
  const message m = load("alternative_iso2022jp");
  BOOST_TEST(types(m) == (std::vector<std::string>{"multipart/alternative", "text/plain", "text/html"}),
             boost::test_tools::per_element());
  BOOST_TEST(m.slice(m.root().preamble) == "This is a multi-part message in MIME format.\r\n");
  BOOST_TEST(personalizable_parts(m) == (std::vector<part_id>{1, 2}), boost::test_tools::per_element());

  const message same = replace_and_check(m, 1, "山田 様\nご案内です。\n");
  BOOST_TEST(same.at(1).type.param("charset") == "ISO-2022-JP");
  BOOST_TEST((same.at(1).encoding == transfer_encoding::seven_bit));
  BOOST_TEST(same.slice(same.at(1).header) == m.slice(m.at(1).header));

  const message utf8 = replace_and_check(m, 1, "山田 様 🎉\n");
  BOOST_TEST(utf8.at(1).type.param("charset") == "UTF-8");
  BOOST_TEST((utf8.at(1).encoding == transfer_encoding::quoted_printable));

  const message html = replace_and_check(m, 2, "<p>山田 様</p>\n");
  BOOST_TEST((html.at(2).encoding == transfer_encoding::quoted_printable));
  BOOST_TEST(html.slice(html.at(2).header) == m.slice(m.at(2).header));
}

BOOST_AUTO_TEST_CASE(mixed_pdf_attachment_is_byte_identical_after_the_text_is_replaced) {
  const message m = load("mixed_pdf");
  const auto pdf = read_fixture("mixed_pdf.attachment.pdf");
  BOOST_REQUIRE(pdf.has_value());
  BOOST_REQUIRE_EQUAL(m.parts().size(), 3u);
  BOOST_TEST(decoded_body(m, 2) == *pdf);
  BOOST_TEST(m.at(2).disposition->param("filename") == "見積書_2026年3月.pdf");
  BOOST_TEST(m.at(2).type.param("name") == "見積書_2026年3月.pdf");
  BOOST_TEST(!m.at(2).is_personalizable_text());

  const message out = replace_and_check(m, 1, "鈴木 様\nお見積書をお送りします。\n");
  BOOST_TEST((out.at(1).encoding == transfer_encoding::base64));
  BOOST_TEST(decoded_body(out, 2) == *pdf);
  // The attachment's delimiter, headers, body and the close delimiter are one verbatim run.
  const std::size_t from = m.at(2).header.begin - std::string("------=_Part_12345_67890.1742258400000\r\n").size();
  BOOST_TEST(out.bytes().ends_with(m.bytes().substr(from)));
}

BOOST_AUTO_TEST_CASE(related_png_nested_parts_and_inline_image) {
  const message m = load("related_png");
  BOOST_TEST(types(m) == (std::vector<std::string>{"multipart/related", "multipart/alternative", "text/plain",
                                                   "text/html", "image/png"}),
             boost::test_tools::per_element());
  BOOST_TEST(m.at(4).depth == 1u);
  BOOST_TEST(m.at(2).depth == 2u);
  BOOST_TEST(m.at(4).field("Content-ID")->value == "<logo.20260319@shop.example.jp>");
  BOOST_TEST(decoded_body(m, 4) == read_fixture("related_png.attachment.png").value_or("?"));
  const message out = replace_and_check(m, 2, "田中 様\n予約受付中です。\n");
  BOOST_TEST(out.at(2).type.param("charset") == "EUC-JP");
  BOOST_TEST(decoded_body(out, 4) == decoded_body(m, 4));
}

BOOST_AUTO_TEST_CASE(sjis_base64_stays_shift_jis_base64) {
  const message m = load("sjis_base64");
  const message out = replace_and_check(m, 0, "髙橋 様\n①発送済み\n");
  BOOST_TEST(out.at(0).type.param("charset") == "Shift_JIS");
  BOOST_TEST((out.at(0).encoding == transfer_encoding::base64));
  BOOST_TEST(out.slice(out.at(0).header) == m.slice(m.at(0).header));
}

BOOST_AUTO_TEST_CASE(utf8_8bit_stays_8bit_unless_told_otherwise) {
  const message m = load("utf8_8bit");
  const message out = replace_and_check(m, 0, "佐藤 様\nゴールド会員です。\n");
  BOOST_TEST((out.at(0).encoding == transfer_encoding::eight_bit));
  rewriter rw(m);
  encode_options opt;
  opt.keep_8bit = false;
  BOOST_REQUIRE(rw.replace_text(0, "佐藤 様\n", opt).has_value());
  const message qp = message::parse(rw.render());
  BOOST_TEST((qp.at(0).encoding == transfer_encoding::quoted_printable));
  BOOST_TEST(qp.at(0).type.param("format") == "flowed");
}

BOOST_AUTO_TEST_CASE(plain_message_gains_mime_fields_when_its_text_needs_them) {
  const message m = load("plain_no_mime");
  const message out = replace_and_check(m, 0, "Dear 山田,\n");
  BOOST_TEST(out.root().field("MIME-Version")->value == "1.0");
  BOOST_TEST(out.root().type.param("charset") == "UTF-8");
  BOOST_TEST((out.root().encoding == transfer_encoding::quoted_printable));
  // ASCII text needs nothing new.
  rewriter rw(m);
  std::string text = read_text(m, 0)->utf8;
  text.replace(text.find("{{last_name}}"), 13, "Yamada");
  BOOST_REQUIRE(rw.replace_text(0, text).has_value());
  BOOST_TEST(rw.render() == std::string(m.bytes()).replace(m.bytes().find("{{last_name}}"), 13, "Yamada"));
}

BOOST_AUTO_TEST_CASE(adversarial_fixtures_parse_with_their_defects) {
  {
    const message m = load("missing_close_boundary");
    BOOST_TEST(m.parts().size() == 3u);
    BOOST_TEST(m.has_defect(defect::missing_close_boundary));
    BOOST_TEST(m.at(2).body.end == m.bytes().size() - 2);  // the last CRLF is the missing delimiter's
    BOOST_TEST(m.at(0).body.end == m.at(2).body.end);
  }
  {
    const message m = load("bare_lf");
    BOOST_TEST(m.newline() == "\n");
    BOOST_TEST(m.has_defect(defect::bare_lf));
    BOOST_TEST(m.parts().size() == 3u);
    const message out = replace_and_check(m, 1, "山田 様\nLFのままです。\n");
    BOOST_TEST(out.bytes().find('\r') == std::string_view::npos);
  }
  {
    const message m = load("header_8bit");
    BOOST_TEST(m.has_defect(defect::eight_bit_header));
    BOOST_TEST(decode_header_value(m.root().field("X-Note")->value, "Shift_JIS") == "シフトJIS");
    BOOST_TEST(decode_header_value(m.root().field("From")->value) == "山田 太郎 <yamada@example.jp>");
  }
  {
    const message m = load("long_line");
    BOOST_TEST(m.root().field("X-Tracking")->value.size() == 2000u);
    // The same text re-encoded: a 2,000-octet line cannot stay 8bit.
    const message out = replace_and_check(m, 0, read_text(m, 0)->utf8);
    BOOST_TEST((out.root().encoding == transfer_encoding::quoted_printable));
  }
  {
    const message m = load("deep_nesting");
    BOOST_TEST(m.has_defect(defect::depth_exceeded));
    BOOST_TEST(m.parts().size() == 33u);  // depths 0..32; the multipart at 32 is opaque
    BOOST_TEST(m.parts().back().depth == 32u);
    BOOST_TEST(!m.parts().back().is_multipart());
    BOOST_TEST(personalizable_parts(m).empty());
    BOOST_TEST(m.root().body.end == m.bytes().size());
  }
  {
    const message m = load("truncated_base64");
    const auto t = read_text(m, 0);
    BOOST_REQUIRE(t.has_value());
    BOOST_TEST(t->damaged_encoding);
    BOOST_TEST(t->lossy);
  }
  {
    const message m = load("missing_boundary");
    BOOST_TEST(m.parts().size() == 1u);
    BOOST_TEST(m.has_defect(defect::missing_boundary));
    BOOST_TEST(personalizable_parts(m).empty());
  }
}

BOOST_AUTO_TEST_SUITE_END()
