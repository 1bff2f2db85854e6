#include <boost/test/unit_test.hpp>

#include "map_source.hpp"

#include <string>

using namespace kizuna::personalize;
using kizuna::personalize::testing::map_source;
using kizuna::personalize::testing::must_compile;
using kizuna::personalize::testing::render_with;

BOOST_AUTO_TEST_CASE(every_slot_form_renders_its_value) {
  const map_source v{{"contact.last_name", "山田"},
                     {"contact.first_name", "太郎"},
                     {"persona.display_name", "佐藤 花子"},
                     {"persona.fields.title", "営業部長"},
                     {"unsubscribe_url", "https://u.example/u/t0k"}};
  BOOST_TEST(render_with("{{last_name}} {{contact.first_name}} 様\r\n{{persona.fields.title}} "
                         "{{persona.display_name}}\r\n{{unsubscribe_url}}",
                         context::text, v) ==
             "山田 太郎 様\r\n営業部長 佐藤 花子\r\nhttps://u.example/u/t0k");
}

BOOST_AUTO_TEST_CASE(japanese_field_names_render) {
  const map_source v{{"contact.資料名", "導入事例集"}, {"contact.会社名", "ベーシック"}};
  BOOST_TEST(render_with("{{contact.会社名}}様、{{資料名}}をお送りします。", context::text, v) ==
             "ベーシック様、導入事例集をお送りします。");
}

BOOST_AUTO_TEST_CASE(missing_fields_render_empty_and_are_listed_once) {
  const map_source v{{"contact.a", "A"}};
  const auto r = render(must_compile("{{a}}{{b}}{{c}}{{b}}{{persona.fields.x}}", context::text), v);
  BOOST_TEST(r.out == "A");
  BOOST_TEST(r.missing == (std::vector<std::string>{"contact.b", "contact.c", "persona.fields.x"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(default_supplies_missing_and_empty_values_and_is_not_missing) {
  const map_source v{{"contact.empty", ""}, {"contact.set", "鈴木"}};
  const auto t = must_compile(
      R"({{last_name | default: "ご担当者"}}/{{empty|default:"空"}}/{{set | default: "x"}}/{{empty}})", context::text);
  const auto r = render(t, v);
  BOOST_TEST(r.out == "ご担当者/空/鈴木/");
  BOOST_TEST(r.missing.empty());
}

BOOST_AUTO_TEST_CASE(default_text_with_quotes_and_backslashes) {
  const map_source v{};
  BOOST_TEST(render_with(R"({{x | default: "say \"hi\" C:\\dir"}})", context::text, v) == R"(say "hi" C:\dir)");
}

BOOST_AUTO_TEST_CASE(filters_chain_left_to_right) {
  const map_source v{{"contact.company", "（株）ベーシック"}, {"contact.blank", "　"}};
  // company then default: the missing value gets the raw default.
  BOOST_TEST(render_with(R"({{none | company | default: "(有)見本"}})", context::text, v) == "(有)見本");
  // default then company: the default is normalized too.
  BOOST_TEST(render_with(R"({{none | default: "(有)見本" | company}})", context::text, v) == "有限会社見本");
  BOOST_TEST(render_with("{{company | company}}", context::text, v) == "株式会社ベーシック");
  BOOST_TEST(render_with("{{company | company | company}}", context::text, v) == "株式会社ベーシック");
  // company turns a full-width space into nothing, then default applies.
  BOOST_TEST(render_with(R"({{blank | company | default: "貴社"}})", context::text, v) == "貴社");
  BOOST_TEST(render_with("{{company}}", context::text, v) == "（株）ベーシック");
}

BOOST_AUTO_TEST_CASE(defaults_are_escaped_for_their_context_too) {
  const map_source v{};
  BOOST_TEST(render_with(R"(<p>{{x | default: "<b>&"}}</p>)", context::html, v) == "<p>&lt;b&gt;&amp;</p>");
}

BOOST_AUTO_TEST_CASE(text_values_get_crlf_line_endings_and_lose_controls) {
  const map_source v{{"contact.x", std::string("a\nb\rc\r\nd\0e\x01\tf\x7f", 13)}};
  BOOST_TEST(render_with("[{{x}}]", context::text, v) == "[a\r\nb\r\nc\r\nde\tf]");
}

BOOST_AUTO_TEST_CASE(header_value_never_gets_a_line_break) {
  const map_source v{{"contact.last_name", "X\r\nBcc: evil@example.com"}};
  const std::string out = render_with("Subject: {{last_name}}様へのご案内", context::header, v);
  BOOST_TEST(out == "Subject: XBcc: evil@example.com様へのご案内");
  BOOST_TEST(out.find('\r') == std::string::npos);
  BOOST_TEST(out.find('\n') == std::string::npos);
  const map_source w{{"contact.last_name", std::string("a\0\n\rb", 5)}};
  BOOST_TEST(render_with("{{last_name}}", context::header, w) == "ab");
}

BOOST_AUTO_TEST_CASE(a_slot_renders_the_same_every_time) {
  const auto t = must_compile("<a href=\"{{unsubscribe_url}}\">{{name}}</a>", context::html);
  const map_source a{{"unsubscribe_url", "https://u.example/a"}, {"contact.name", "A&B"}};
  const map_source b{{"unsubscribe_url", "javascript:alert(1)"}, {"contact.name", "C"}};
  BOOST_TEST(render(t, a).out == "<a href=\"https://u.example/a\">A&amp;B</a>");
  BOOST_TEST(render(t, b).out == "<a href=\"#\">C</a>");
  BOOST_TEST(render(t, a).out == "<a href=\"https://u.example/a\">A&amp;B</a>");
}

BOOST_AUTO_TEST_CASE(output_is_sized_exactly) {
  const auto t = must_compile("<p title=\"{{x}}\">{{x}}</p><a href=\"{{u}}?q={{x}}\">", context::html);
  const map_source v{{"contact.x", "<\"'&>\r\n"}, {"contact.u", "https://e.example/ä"}};
  const auto r = render(t, v);
  BOOST_TEST(r.out.size() == r.out.capacity());
  BOOST_TEST(r.out ==
             "<p title=\"&lt;&quot;&#39;&amp;&gt;\r\n\">&lt;&quot;&#39;&amp;&gt;\r\n</p>"
             "<a href=\"https://e.example/%C3%A4?q=%3C%22%27%26%3E%0D%0A\">");
}

BOOST_AUTO_TEST_CASE(many_slots_beyond_the_inline_buffer) {
  std::string src;
  for (int k = 0; k < 100; ++k) src += "<{{n}}>";
  const map_source v{{"contact.n", "1"}};
  std::string ones;
  for (int k = 0; k < 100; ++k) ones += "<1>";
  BOOST_TEST(render_with(src, context::text, v) == ones);
}

BOOST_AUTO_TEST_CASE(twenty_kilobyte_template_with_ten_fields) {
  const map_source v{{"contact.f0", "値0"}, {"contact.f1", "値1"}, {"contact.f2", "値2"}, {"contact.f3", "値3"},
                     {"contact.f4", "値4"}, {"contact.f5", "値5"}, {"contact.f6", "値6"}, {"contact.f7", "値7"},
                     {"contact.f8", "値8"}, {"contact.f9", "値9"}};
  std::string src, expected;
  const std::string filler = "<p>これはテスト用の本文です。Lorem ipsum dolor sit amet.</p>\r\n";
  int field = 0;
  while (src.size() < 20 * 1024) {
    src += filler;
    expected += filler;
    if (src.size() > static_cast<std::size_t>(field + 1) * 1900 && field < 10) {
      src += "<p>{{f" + std::to_string(field) + "}}</p>";
      expected += "<p>値" + std::to_string(field) + "</p>";
      ++field;
    }
  }
  BOOST_TEST_REQUIRE(field == 10);
  const auto t = must_compile(src, context::html);
  BOOST_TEST(t.slots().size() == 10u);
  for (int k = 0; k < 3; ++k) {
    const auto r = render(t, v);
    BOOST_TEST(r.missing.empty());
    BOOST_TEST(r.out == expected);
  }
}

BOOST_AUTO_TEST_CASE(output_is_known_utf8_only_when_every_value_is) {
  const compiled_template t = must_compile("<p>{{last_name}} 様 ({{company | company}})</p>", context::html);
  BOOST_TEST(t.literal_utf8());
  BOOST_TEST(render(t, map_source{{"contact.last_name", "山田"}, {"contact.company", "(株)ベーシック"}}).utf8);
  BOOST_TEST(render(t, map_source{{"contact.last_name", "山田"}}).utf8);  // a missing value adds nothing
  BOOST_TEST(!render(t, map_source{{"contact.last_name", "\xff山田"}}).utf8);
  BOOST_TEST(!render(t, map_source{{"contact.last_name", "山田"}, {"contact.company", "\xe5\xb1"}}).utf8);
}
