// compile_message / render_copy: a whole message compiled once and rendered per
// recipient. Outputs are judged by parsing them again (mime::message::parse +
// read_text), never by comparing against the renderer's own encoders.
#include <boost/test/unit_test.hpp>

#include "map_source.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/message.hpp"
#include "relay/mime/text_part.hpp"
#include "relay/mime/transfer_encoding.hpp"
#include "relay/personalize/company.hpp"
#include "relay/personalize/message_template.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

using namespace kizuna::personalize;
using kizuna::personalize::testing::map_source;
namespace mime = kizuna::mime;

namespace {

std::string read_file(const std::string& dir, const std::string& name) {
  const char* root = std::getenv("KIZUNA_SOURCE_DIR");
  const auto path = std::filesystem::path(root ? root : ".") / "tests" / "fixtures" / dir / name;
  std::ifstream in(path, std::ios::binary);
  if (!in) BOOST_FAIL("missing fixture " << path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

message_template must_compile_message(std::string bytes) {
  auto t = compile_message(std::move(bytes));
  if (!t) BOOST_FAIL("compile_message failed: " << t.error());
  return std::move(*t);
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
  for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

std::string text_of(const mime::message& m, mime::part_id id) {
  auto t = mime::read_text(m, id);
  BOOST_REQUIRE(t.has_value());
  return t->utf8;
}

std::vector<std::string> values_of(const mime::message& m, std::string_view name) {
  std::vector<std::string> out;
  for (const mime::header_field& f : m.root().fields)
    if (f.name.size() == name.size() && std::equal(f.name.begin(), f.name.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        }))
      out.push_back(f.value);
  return out;
}

bool has_field_with_prefix(const mime::message& m, std::string_view prefix) {
  for (const mime::header_field& f : m.root().fields)
    if (f.name.starts_with(prefix)) return true;
  return false;
}

copy_headers headers_for(std::string to) {
  copy_headers h;
  h.to = std::move(to);
  h.message_id = "<copy-1.kizuna@relay.example.jp>";
  h.from_display = "佐藤 花子（さくら商事）";
  h.from_address = "sato@shop.example.jp";
  h.reply_to = "sato+reply@shop.example.jp";
  h.add = {{"List-Unsubscribe", "<https://u.example.jp/u/abc123>"},
           {"List-Unsubscribe-Post", "List-Unsubscribe=One-Click"}};
  return h;
}

const map_source contact_a{{"contact.last_name", "山田"},
                           {"contact.company", "(株)ベーシック"},
                           {"persona.display_name", "佐藤 花子"},
                           {"unsubscribe_url", "https://u.example.jp/u/abc123"}};

const map_source contact_b{{"contact.last_name", "X\r\nBcc: evil@example.com"},
                           {"contact.company", "<script>alert(1)</script>"},
                           {"persona.display_name", "鈴木 一郎"},
                           {"unsubscribe_url", "https://u.example.jp/u/x\" onmouseover=\"alert(1)"}};

}  // namespace

BOOST_AUTO_TEST_SUITE(message_template_tests)

// Issue 10, defect 2: a re-encoded last part left the copy without a final
// line end ("...SGkgWm8=" then "." on the wire: a DATA that never ends).
BOOST_AUTO_TEST_CASE(every_copy_ends_with_a_line_end) {
  const std::string text = "{{contact.last_name}} \xe6\xa7\x98";  // no final newline in the text
  const std::string b64 = "e3tjb250YWN0Lmxhc3RfbmFtZX19IOanmA==";
  const std::string qp = "{{contact.last_name}} =E6=A7=98=\r\n";  // ends in a soft line break
  const std::string head = "From: a@example.org\r\nSubject: x\r\nMIME-Version: 1.0\r\n";
  for (const std::string& m :
       {head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n",
        head + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64 + "\r\n",
        head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + qp,
        head + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + text}) {
    const message_template t = must_compile_message(m);
    BOOST_TEST_REQUIRE(t.has_slots());
    const rendered_copy c = render_copy(t, contact_a, headers_for("a@example.jp"));
    BOOST_TEST(c.bytes.ends_with("\r\n"), c.bytes);
    // The name was merged: 山田 as it is (8bit), in base64 or quoted-printable.
    const bool merged = c.bytes.find("\xe5\xb1\xb1\xe7\x94\xb0") != std::string::npos ||
                        c.bytes.find("5bGx55Sw") != std::string::npos ||
                        c.bytes.find("=E5=B1=B1=E7=94=B0") != std::string::npos;
    BOOST_TEST(merged);
  }
}

// A header past the parser's max_fields hides fields a copy would have to
// replace (an unseen To would go out beside the recipient's): refused.
BOOST_AUTO_TEST_CASE(a_header_with_too_many_fields_is_refused) {
  std::string m = "From: a@example.org\r\n";
  for (int i = 0; i < 1001; ++i) m += "X-Filler: " + std::to_string(i) + "\r\n";
  m += "To: everyone@example.org\r\nSubject: {{contact.last_name}}\r\n\r\nbody\r\n";
  auto t = compile_message(m);
  BOOST_TEST_REQUIRE(!t.has_value());
  BOOST_TEST(t.error().find("more fields") != std::string::npos, t.error());
}

BOOST_AUTO_TEST_CASE(compiles_subject_and_text_parts_once) {
  const auto t = must_compile_message(read_file("personalize", "alternative_fields.eml"));
  BOOST_TEST(t.has_slots());
  BOOST_TEST(t.subject().has_value());
  BOOST_REQUIRE_EQUAL(t.parts().size(), 2u);
  BOOST_TEST(t.parts()[0].id == 1u);
  BOOST_TEST((t.parts()[0].text->where() == context::text));
  BOOST_TEST(t.parts()[1].id == 2u);
  BOOST_TEST((t.parts()[1].text->where() == context::html));
  const std::vector<std::string> names{"contact.last_name", "contact.company", "persona.display_name",
                                       "unsubscribe_url"};
  BOOST_TEST(t.field_names() == names, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(alternative_renders_each_contact) {
  const std::string src = read_file("personalize", "alternative_fields.eml");
  const auto t = must_compile_message(src);
  const auto original = mime::message::parse(src);
  const std::string plain = text_of(original, 1), html = text_of(original, 2);

  struct expectation {
    const map_source* values;
    std::string last_name_text, company_text, last_name_html, company_html, last_name_url, persona;
  };
  const std::vector<expectation> cases{
      {&contact_a, "山田", "株式会社ベーシック", "山田", "株式会社ベーシック", "%E5%B1%B1%E7%94%B0", "佐藤 花子"},
      {&contact_b, "X\nBcc: evil@example.com", normalize_company("<script>alert(1)</script>"),
       "X\nBcc: evil@example.com", "", "X%0D%0ABcc%3A%20evil%40example.com", "鈴木 一郎"},
  };
  for (const expectation& e : cases) {
    BOOST_TEST_CONTEXT("last_name " << e.last_name_text) {
      const rendered_copy c = render_copy(t, *e.values, headers_for("tanaka@example.com"));
      BOOST_TEST(c.missing.empty());
      BOOST_TEST(c.refused_headers.empty());
      BOOST_TEST(c.error.empty());
      BOOST_TEST(!c.reencoded_utf8);
      const auto out = mime::message::parse(c.bytes);
      BOOST_TEST(out.defects() == original.defects());
      BOOST_REQUIRE_EQUAL(out.parts().size(), original.parts().size());

      // Subject: decoded, with CR/LF removed from the value.
      const auto subject = values_of(out, "Subject");
      BOOST_REQUIRE_EQUAL(subject.size(), 1u);
      const std::string subject_value = replace_all(replace_all(e.last_name_text, "\n", ""), "\r", "");
      BOOST_TEST(mime::decode_header_value(subject[0]) == "【ご案内】" + subject_value + "様へ春の特別セールのお知らせ");
      BOOST_TEST(values_of(out, "Bcc").empty());
      BOOST_TEST(out.slice(out.root().header).find("\nBcc:") == std::string_view::npos);

      // text/plain, still ISO-2022-JP.
      std::string want = replace_all(plain, "{{company | company}}", e.company_text);
      want = replace_all(want, "{{last_name}}", e.last_name_text);
      want = replace_all(want, "{{persona.display_name}}", e.persona);
      want = replace_all(want, "{{unsubscribe_url}}",
                         std::string(e.values->find("unsubscribe_url").value_or("")));
      BOOST_TEST(text_of(out, 1) == want);
      BOOST_TEST(out.at(1).type.param("charset") == std::string_view("ISO-2022-JP"));

      // text/html: escaped values.
      const std::string got = text_of(out, 2);
      if (e.values == &contact_a) {
        std::string want_html = replace_all(html, "{{company | company}}", e.company_html);
        want_html = replace_all(want_html, "ref={{last_name}}", "ref=" + e.last_name_url);
        want_html = replace_all(want_html, "{{last_name}}", e.last_name_html);
        want_html = replace_all(want_html, "{{persona.display_name}}", e.persona);
        want_html = replace_all(want_html, "{{unsubscribe_url}}", "https://u.example.jp/u/abc123");
        BOOST_TEST(got == want_html);
      } else {
        BOOST_TEST(got.find("<script>") == std::string::npos);
        BOOST_TEST(got.find("&lt;script&gt;alert(1)&lt;/script&gt;") != std::string::npos);
        BOOST_TEST(got.find("ref=" + e.last_name_url + "&amp;x=1\"") != std::string::npos);
        // The quote in the URL value stays inside the href.
        const std::size_t href = got.find("<a href=\"https://u.example.jp/u/x");
        BOOST_REQUIRE(href != std::string::npos);
        const std::size_t close = got.find('"', href + 9);
        BOOST_TEST(got.substr(href + 9, close - href - 9).find("onmouseover") != std::string::npos);
        BOOST_TEST(got.substr(close, 2) == "\">");
        BOOST_TEST(got.find("\" onmouseover") == std::string::npos);
      }

      // Per-copy headers.
      BOOST_TEST(values_of(out, "To") == std::vector<std::string>{"tanaka@example.com"},
                 boost::test_tools::per_element());
      BOOST_TEST(values_of(out, "Message-ID") == std::vector<std::string>{"<copy-1.kizuna@relay.example.jp>"},
                 boost::test_tools::per_element());
      const auto from = values_of(out, "From");
      BOOST_REQUIRE_EQUAL(from.size(), 1u);
      BOOST_TEST(mime::decode_header_value(from[0]).find("佐藤 花子（さくら商事）") != std::string::npos);
      BOOST_TEST(from[0].find("<sato@shop.example.jp>") != std::string::npos);
      BOOST_TEST(values_of(out, "Reply-To") == std::vector<std::string>{"sato+reply@shop.example.jp"},
                 boost::test_tools::per_element());
      BOOST_TEST(values_of(out, "List-Unsubscribe") == std::vector<std::string>{"<https://u.example.jp/u/abc123>"},
                 boost::test_tools::per_element());
      BOOST_TEST(values_of(out, "List-Unsubscribe-Post") ==
                     std::vector<std::string>{"List-Unsubscribe=One-Click"},
                 boost::test_tools::per_element());
      BOOST_TEST(!has_field_with_prefix(out, "X-Kizuna-"));
      // Untouched fields come out as written.
      BOOST_TEST(values_of(out, "Date") == values_of(original, "Date"), boost::test_tools::per_element());
      BOOST_TEST(c.bytes.starts_with("Return-Path: <bounce@shop.example.jp>\r\n"));
    }
  }
}

BOOST_AUTO_TEST_CASE(control_headers_kept_when_not_stripped) {
  const auto t = must_compile_message(read_file("personalize", "alternative_fields.eml"));
  copy_headers h = headers_for("a@example.com");
  h.strip_control = false;
  const auto out = mime::message::parse(render_copy(t, contact_a, h).bytes);
  BOOST_TEST(values_of(out, "X-Kizuna-Campaign") == std::vector<std::string>{"spring-sale-2026"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mixed_attachment_is_byte_identical) {
  const std::string src = read_file("personalize", "mixed_fields.eml");
  const auto t = must_compile_message(src);
  BOOST_TEST(t.subject().has_value() == false);
  BOOST_REQUIRE_EQUAL(t.parts().size(), 1u);
  const std::vector<std::string> names{"contact.last_name", "contact.資料名"};
  BOOST_TEST(t.field_names() == names, boost::test_tools::per_element());

  const auto original = mime::message::parse(src);
  const std::string pdf = read_file("personalize", "mixed_fields.attachment.pdf");
  for (const auto& [last, doc] : std::vector<std::pair<std::string, std::string>>{{"山田", "導入事例集"},
                                                                                   {"田中", "料金表 2026"}}) {
    const map_source v{{"contact.last_name", last}, {"contact.資料名", doc}};
    const rendered_copy c = render_copy(t, v, headers_for("b@example.com"));
    BOOST_TEST(c.missing.empty());
    const auto out = mime::message::parse(c.bytes);
    BOOST_REQUIRE_EQUAL(out.parts().size(), 3u);
    BOOST_TEST(text_of(out, 1) ==
               replace_all(replace_all(text_of(original, 1), "{{last_name}}", last), "{{資料名}}", doc));
    // Subject untouched (no slots): byte for byte.
    BOOST_TEST(values_of(out, "Subject") == values_of(original, "Subject"), boost::test_tools::per_element());
    // The attachment: header and body bytes identical, and it decodes to the PDF.
    BOOST_TEST(out.slice(out.at(2).header) == original.slice(original.at(2).header));
    BOOST_TEST(out.slice(out.at(2).body) == original.slice(original.at(2).body));
    BOOST_TEST(mime::decode_base64(out.slice(out.at(2).body)).data == pdf);
    // Everything from the attachment's delimiter to the end is the original tail.
    const std::string_view tail = original.bytes().substr(original.at(2).header.begin);
    BOOST_TEST(std::string_view(c.bytes).ends_with(tail));
  }
}

BOOST_AUTO_TEST_CASE(missing_fields_are_listed_once) {
  const auto t = must_compile_message(read_file("personalize", "alternative_fields.eml"));
  const map_source v{{"contact.last_name", "山田"}};
  const rendered_copy c = render_copy(t, v, headers_for("a@example.com"));
  const std::vector<std::string> missing{"contact.company", "persona.display_name", "unsubscribe_url"};
  BOOST_TEST(c.missing == missing, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(unrepresentable_value_reencodes_the_part_as_utf8) {
  const std::string src = read_file("personalize", "alternative_fields.eml");
  const auto t = must_compile_message(src);
  const map_source v{{"contact.last_name", "山田😀"},
                     {"contact.company", "ベーシック"},
                     {"persona.display_name", "佐藤"},
                     {"unsubscribe_url", "https://u.example.jp/u/1"}};
  const rendered_copy c = render_copy(t, v, headers_for("a@example.com"));
  BOOST_TEST(c.reencoded_utf8);
  const auto out = mime::message::parse(c.bytes);
  const std::string charset(out.at(1).type.param("charset"));
  BOOST_TEST((charset == "UTF-8" || charset == "utf-8"));
  BOOST_TEST(text_of(out, 1).find("山田😀様") != std::string::npos);
  BOOST_TEST(text_of(out, 2).find("山田😀様") != std::string::npos);
  BOOST_TEST(mime::decode_header_value(values_of(out, "Subject").at(0)).find("山田😀様") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(value_that_is_not_utf8_becomes_replacement_characters) {
  const auto t = must_compile_message(read_file("personalize", "mixed_fields.eml"));
  const map_source v{{"contact.last_name", "\xff\xfe山田"}, {"contact.資料名", "x"}};
  const rendered_copy c = render_copy(t, v, headers_for("a@example.com"));
  BOOST_TEST(c.error.empty());
  const auto out = mime::message::parse(c.bytes);
  BOOST_TEST(text_of(out, 1).starts_with("\xEF\xBF\xBD\xEF\xBF\xBD山田 様"));
}

BOOST_AUTO_TEST_CASE(injected_added_header_is_refused) {
  const auto t = must_compile_message(read_file("personalize", "mixed_fields.eml"));
  copy_headers h = headers_for("a@example.com");
  h.add.push_back({"List-Unsubscribe", "<https://x>\r\nBcc: evil@example.com"});
  h.message_id = "<id@x>\r\nBcc: evil@example.com";
  const map_source v{{"contact.last_name", "山田"}, {"contact.資料名", "x"}};
  const rendered_copy c = render_copy(t, v, h);
  BOOST_TEST(c.refused_headers.size() == 2u);
  const auto out = mime::message::parse(c.bytes);
  BOOST_TEST(values_of(out, "Bcc").empty());
  BOOST_TEST(values_of(out, "List-Unsubscribe").size() == 1u);
}

BOOST_AUTO_TEST_CASE(recipient_address_cannot_inject) {
  const auto t = must_compile_message(read_file("personalize", "mixed_fields.eml"));
  const map_source v{{"contact.last_name", "山田"}, {"contact.資料名", "x"}};
  const rendered_copy c = render_copy(t, v, headers_for("a@example.com\r\nBcc: evil@example.com"));
  const auto out = mime::message::parse(c.bytes);
  BOOST_TEST(values_of(out, "Bcc").empty());
  BOOST_TEST(values_of(out, "To").size() == 1u);
}

BOOST_AUTO_TEST_CASE(message_without_slots_keeps_its_body_byte_for_byte) {
  const std::string src =
      "From: a@example.com\r\nTo: x@example.com, y@example.com\r\nSubject: =?UTF-8?B?5pil?=\r\n"
      "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n\x1b$B$3$s$K$A$O\x1b(B\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<p>{ {x} }</p>\r\n--b--\r\n";
  const auto t = must_compile_message(src);
  BOOST_TEST(!t.has_slots());
  BOOST_TEST(t.field_names().empty());
  copy_headers h;
  h.to = "a@example.com";
  h.message_id = "<m@x>";
  const rendered_copy c = render_copy(t, contact_a, h);
  const auto original = mime::message::parse(src);
  const auto out = mime::message::parse(c.bytes);
  BOOST_REQUIRE_EQUAL(out.parts().size(), original.parts().size());
  BOOST_TEST(out.bytes().substr(out.root().header.end) == original.bytes().substr(original.root().header.end));
  BOOST_TEST(values_of(out, "Subject") == values_of(original, "Subject"), boost::test_tools::per_element());
  BOOST_TEST(values_of(out, "To") == std::vector<std::string>{"a@example.com"}, boost::test_tools::per_element());
  BOOST_TEST(values_of(out, "Message-ID") == std::vector<std::string>{"<m@x>"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(mime_fixtures_keep_untouched_parts_byte_for_byte) {
  for (const char* name : {"alternative_iso2022jp.eml", "mixed_pdf.eml", "related_png.eml", "sjis_base64.eml",
                           "utf8_8bit.eml", "plain_no_mime.eml", "bare_lf.eml", "header_8bit.eml"}) {
    BOOST_TEST_CONTEXT(name) {
      const std::string src = read_file("mime", name);
      const auto t = must_compile_message(src);
      const rendered_copy c = render_copy(t, contact_a, headers_for("a@example.com"));
      BOOST_TEST(c.error.empty());
      const auto original = mime::message::parse(src);
      const auto out = mime::message::parse(c.bytes);
      BOOST_REQUIRE_EQUAL(out.parts().size(), original.parts().size());
      for (mime::part_id id = 1; id < out.parts().size(); ++id) {
        const bool compiled = std::any_of(t.parts().begin(), t.parts().end(),
                                          [&](const message_template::compiled_part& p) { return p.id == id; });
        if (out.at(id).is_multipart()) continue;
        if (compiled) {
          BOOST_TEST(text_of(out, id).find("{{") == std::string::npos);
          BOOST_TEST(text_of(out, id).find("山田") != std::string::npos);
        } else {
          BOOST_TEST(out.slice(out.at(id).header) == original.slice(original.at(id).header));
          BOOST_TEST(out.slice(out.at(id).body) == original.slice(original.at(id).body));
        }
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(compile_errors_name_the_part) {
  const std::string msg =
      "From: a@example.com\r\nSubject: hi\r\nMIME-Version: 1.0\r\n"
      "Content-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\n{{last_name}}\r\n"
      "--b\r\nContent-Type: text/html\r\n\r\n<script>var x = '{{last_name}}';</script>\r\n--b--\r\n";
  const auto t = compile_message(msg);
  BOOST_REQUIRE(!t.has_value());
  BOOST_TEST(t.error().find("part 2 (text/html)") != std::string::npos, t.error());

  const auto s = compile_message("Subject: {{last_name | upper}}\r\n\r\nbody\r\n");
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().starts_with("Subject: "), s.error());
}

BOOST_AUTO_TEST_CASE(render_speed, *boost::unit_test::label("timing")) {
  // ~20 KB multipart/alternative, 10 distinct fields in each part.
  std::string fields;
  map_source v{};
  for (int i = 0; i < 10; ++i) {
    fields += "{{f" + std::to_string(i) + "}} ";
    v.values["contact.f" + std::to_string(i)] = "値" + std::to_string(i);
  }
  std::string para;
  while (para.size() < 9000) para += "春の特別セールのご案内です。ご不明な点はお気軽にお問い合わせください。\r\n";
  const std::string msg = "From: a@example.com\r\nTo: b@example.com\r\nSubject: {{f0}} 様\r\nMessage-ID: <1@x>\r\n"
                          "MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
                          "--b\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" +
                          fields + "\r\n" + para +
                          "\r\n--b\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
                          "<p>" + fields + "</p><p>" + para + "</p>\r\n--b--\r\n";
  const auto t = must_compile_message(msg);
  BOOST_TEST(t.field_names().size() == 10u);
  const copy_headers h = headers_for("c@example.com");
  // Best of 5 batches (the machine may be busy): Release figure ~ tens of us.
  constexpr int n = 100;
  std::size_t total = 0;
  double us = 1e18;
  for (int batch = 0; batch < 5; ++batch) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < n; ++i) total += render_copy(t, v, h).bytes.size();
    us = std::min(us, std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / n);
  }
  BOOST_TEST_MESSAGE("render_copy of " << msg.size() << " bytes, 10 fields: " << us << " us/copy");
  BOOST_TEST(total > 0u);
}

BOOST_AUTO_TEST_SUITE_END()

// Footers (merge.footer): the first text/plain part ends with the text footer,
// the first text/html part gets the HTML footer before </body>; both are slots.
BOOST_AUTO_TEST_CASE(footers_join_the_first_text_and_html_parts) {
  const std::string msg =
      "Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nbody\r\n"
      "--b\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<html><BODY><p>x</p></Body></html>\r\n--b--\r\n";
  auto t = compile_message(msg, {"stop: {{unsubscribe_url}}", "<a href=\"{{unsubscribe_url}}\">stop</a>"});
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(t->shows_unsubscribe_url());
  const map_source v{{"unsubscribe_url", "https://u.example.com/u/T"}};
  const auto copy = render_copy(*t, v, {"a@example.com", "<c@x>"});
  BOOST_TEST(copy.bytes.find("body\r\n\r\nstop: https://u.example.com/u/T\r\n") != std::string::npos, copy.bytes);
  BOOST_TEST(copy.bytes.find("<p>x</p><a href=\"https://u.example.com/u/T\">stop</a></Body>") != std::string::npos,
             copy.bytes);
  BOOST_TEST(!compile_message(msg)->shows_unsubscribe_url());
}

// Unlabelled 8-bit text its charset cannot explain (raw Shift_JIS, as old systems
// send it) is never rewritten: no footer is added, and a merge field in it is an
// error rather than a copy whose Japanese became U+FFFD.
BOOST_AUTO_TEST_CASE(undecodable_text_stays_byte_for_byte) {
  const std::string sjis_body = "\x82\xb1\x82\xf1\x82\xc9\x82\xbf\x82\xcd\r\n";  // こんにちは in Shift_JIS
  const std::string msg = "Subject: s\r\n\r\n" + sjis_body;
  auto t = compile_message(msg, {"footer {{unsubscribe_url}}", ""});
  BOOST_REQUIRE(t.has_value());
  BOOST_TEST(!t->shows_unsubscribe_url());
  const map_source v{};
  const auto copy = render_copy(*t, v, {"a@example.com", "<c@x>"});
  BOOST_TEST(copy.bytes.ends_with("\r\n\r\n" + sjis_body));
  auto broken = compile_message("Subject: s\r\n\r\n{{last_name}} " + sjis_body);
  BOOST_REQUIRE(!broken.has_value());
  BOOST_TEST(broken.error().find("not valid in its charset") != std::string::npos, broken.error());
}

// Every MIME fixture, the adversarial ones included, with both footers: it
// compiles or names its fault, the copy has the same part tree, parts that got no
// footer and no slot are byte for byte the original, and the footer is there.
BOOST_AUTO_TEST_CASE(every_mime_fixture_takes_footers_without_damage) {
  const char* root = std::getenv("KIZUNA_SOURCE_DIR");
  const auto dir = std::filesystem::path(root ? root : ".") / "tests" / "fixtures" / "mime";
  std::size_t seen = 0, footed = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".eml") continue;
    ++seen;
    BOOST_TEST_CONTEXT(entry.path().filename().string()) {
      const std::string src = read_file("mime", entry.path().filename().string());
      auto t = compile_message(src, {"FOOTER-TEXT {{unsubscribe_url}}", "<p>FOOTER-HTML</p>"});
      if (!t) {
        BOOST_TEST(!t.error().empty());
        continue;
      }
      const map_source v{{"contact.last_name", "山田"}, {"contact.company", "(株)さくら"},
                         {"unsubscribe_url", "https://u.example.com/u/T"}};
      const rendered_copy c = render_copy(*t, v, headers_for("a@example.com"));
      BOOST_TEST(c.error.empty(), c.error);
      const auto original = mime::message::parse(src);
      const auto out = mime::message::parse(c.bytes);
      BOOST_REQUIRE_EQUAL(out.parts().size(), original.parts().size());
      for (mime::part_id id = 1; id < out.parts().size(); ++id) {
        const bool compiled = std::any_of(t->parts().begin(), t->parts().end(),
                                          [&](const message_template::compiled_part& p) { return p.id == id; });
        if (out.at(id).is_multipart() || compiled) continue;
        BOOST_TEST(out.slice(out.at(id).body) == original.slice(original.at(id).body));
      }
      if (t->shows_unsubscribe_url()) {
        ++footed;
        BOOST_TEST(c.bytes.find("{{") == std::string::npos);
      }
    }
  }
  BOOST_TEST(seen >= 13u);
  BOOST_TEST(footed >= 8u, "most fixtures have a readable text/plain part for the footer");
}
