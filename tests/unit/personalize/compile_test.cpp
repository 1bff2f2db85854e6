#define BOOST_TEST_MODULE personalize
#include <boost/test/unit_test.hpp>

#include "map_source.hpp"
#include "relay/personalize/limits.hpp"

#include <string>

using namespace kizuna::personalize;
using kizuna::personalize::testing::must_compile;

namespace {

compile_error must_fail(std::string_view src, context where = context::text) {
  auto t = compile(src, where);
  if (t) BOOST_FAIL("expected a compile error for: " << src);
  return t.error();
}

}  // namespace

BOOST_AUTO_TEST_CASE(each_slot_form_resolves_to_its_full_name_and_scope) {
  const auto t = must_compile(
      "{{last_name}} {{contact.first_name}} {{persona.display_name}} {{persona.fields.title}} {{unsubscribe_url}}",
      context::text);
  const auto s = t.slots();
  BOOST_TEST_REQUIRE(s.size() == 5u);
  BOOST_TEST(s[0].name == "contact.last_name");
  BOOST_TEST(s[0].key() == "last_name");
  BOOST_TEST((s[0].scope == field_scope::contact));
  BOOST_TEST(s[1].name == "contact.first_name");
  BOOST_TEST(s[2].name == "persona.display_name");
  BOOST_TEST((s[2].scope == field_scope::persona));
  BOOST_TEST(s[3].name == "persona.fields.title");
  BOOST_TEST(s[3].key() == "fields.title");
  BOOST_TEST(s[4].name == "unsubscribe_url");
  BOOST_TEST((s[4].scope == field_scope::unsubscribe_url));
  BOOST_TEST(t.literal() == "    ");
  BOOST_TEST(s[0].at == 0u);
  BOOST_TEST(s[4].at == 4u);
  BOOST_TEST(s[2].source_offset == 37u);
}

BOOST_AUTO_TEST_CASE(japanese_field_names_are_accepted) {
  const auto t = must_compile("{{資料名}}を{{ contact.会社名 }}様へ{{persona.fields.肩書き}}{{担当者・カナ}}{{ｆｏｏ１}}",
                              context::text);
  const auto s = t.slots();
  BOOST_TEST_REQUIRE(s.size() == 5u);
  BOOST_TEST(s[0].name == "contact.資料名");
  BOOST_TEST(s[1].name == "contact.会社名");
  BOOST_TEST(s[2].name == "persona.fields.肩書き");
  BOOST_TEST(s[3].name == "contact.担当者・カナ");
  BOOST_TEST(s[4].name == "contact.ｆｏｏ１");
  BOOST_TEST(t.literal() == "を様へ");
}

BOOST_AUTO_TEST_CASE(whitespace_inside_the_braces_is_tolerated) {
  const auto t = must_compile("{{  last_name\t|\r\n company |default :  \"x\"  }}", context::text);
  BOOST_TEST_REQUIRE(t.slots().size() == 1u);
  BOOST_TEST(t.slots()[0].filters.size() == 2u);
  BOOST_TEST(t.literal().empty());
}

BOOST_AUTO_TEST_CASE(filters_are_kept_in_order_with_unescaped_defaults) {
  const auto t = must_compile(R"({{会社名 | default: "（株）\"見本\" \\ 商事" | company}})", context::text);
  const auto& f = t.slots()[0].filters;
  BOOST_TEST_REQUIRE(f.size() == 2u);
  BOOST_TEST((f[0].what == filter::kind::default_value));
  BOOST_TEST(f[0].text == "（株）\"見本\" \\ 商事");
  BOOST_TEST((f[1].what == filter::kind::company));
}

BOOST_AUTO_TEST_CASE(text_that_is_not_a_slot_stays_literal) {
  for (std::string_view src : {"{{ not closed", "{{", "{{ }}", "{{#if x}}", "{{ a b }}", "{x}", "{{x}",
                               "{{ contact . x }}", "{{「x」}}"}) {
    const auto t = must_compile(src, context::text);
    BOOST_TEST(t.slots().empty(), src);
    BOOST_TEST(t.literal() == src);
  }
}

BOOST_AUTO_TEST_CASE(extra_braces_around_a_slot_stay_literal) {
  const auto t = must_compile("{{{x}}} and {{{{y}}", context::text);
  BOOST_TEST_REQUIRE(t.slots().size() == 2u);
  BOOST_TEST(t.literal() == "{} and {{");
  BOOST_TEST(t.slots()[0].name == "contact.x");
  BOOST_TEST(t.slots()[0].at == 1u);
}

BOOST_AUTO_TEST_CASE(unknown_filter_is_an_error_with_its_offset) {
  const auto e = must_fail("Hello\n{{ name | upper }}");
  BOOST_TEST(e.offset == 16u);
  BOOST_TEST(e.line == 2u);
  BOOST_TEST(e.column == 11u);
  BOOST_TEST(e.message.find("unknown filter 'upper'") != std::string::npos);
  BOOST_TEST(to_string(e) == "line 2, column 11 (byte 16): unknown filter 'upper' (known: default, company)");
}

BOOST_AUTO_TEST_CASE(committed_slot_faults_are_errors) {
  struct row {
    std::string_view src;
    std::size_t offset;
    std::string_view says;
  };
  for (const row& r : {
           row{"{{x | default: \"abc}}", 15, "not closed"},
           row{"{{x | default \"a\"}}", 14, "expected ':'"},
           row{"{{x | default: abc}}", 15, "double-quoted"},
           row{"{{x | default: 'a'}}", 15, "double-quoted"},
           row{"{{x | default: \"a\\n\"}}", 17, "unknown escape"},
           row{"{{x | }}", 6, "expected a filter name"},
           row{"{{x | company", 0, "missing '}}'"},
           row{"{{x | company company}}", 14, "expected '|' or '}}'"},
           row{"{{persona.phone}}", 2, "unknown persona attribute"},
           row{"{{persona}}", 2, "unknown persona attribute"},
           row{"{{persona.fields}}", 2, "unknown persona attribute"},
           row{"{{contact}}", 2, "needs a field name"},
           row{"{{a..b}}", 2, "empty segment"},
           row{"{{ .a}}", 3, "empty segment"},
           row{"{{contact.}}", 2, "empty segment"},
       }) {
    const auto e = must_fail(r.src);
    BOOST_TEST(e.offset == r.offset, r.src);
    BOOST_TEST(e.message.find(r.says) != std::string::npos, r.src << " -> " << e.message);
  }
}

BOOST_AUTO_TEST_CASE(field_names_lists_each_name_once_in_order) {
  const auto t = must_compile("{{b}}{{a}}{{b}}{{contact.a}}{{unsubscribe_url}}", context::text);
  BOOST_TEST(t.field_names() == (std::vector<std::string>{"contact.b", "contact.a", "unsubscribe_url"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(template_size_is_limited) {
  std::string big(max_template_bytes, 'a');
  BOOST_TEST(compile(big, context::text).has_value());
  big.push_back('a');
  const auto e = must_fail(big);
  BOOST_TEST(e.offset == max_template_bytes);
}

BOOST_AUTO_TEST_CASE(slot_count_is_limited) {
  std::string src;
  for (std::size_t k = 0; k < max_slots; ++k) src += "{{x}}";
  BOOST_TEST(compile(src, context::text).has_value());
  const std::size_t last = src.size();
  src += "{{x}}";
  const auto e = must_fail(src);
  BOOST_TEST(e.offset == last);
  BOOST_TEST(e.message.find("more than 10000") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(name_length_is_limited) {
  const std::string ok(max_name_bytes, 'n');
  BOOST_TEST(compile("{{" + ok + "}}", context::text).has_value());
  // 43 three-byte characters = 129 bytes
  std::string long_name;
  for (int k = 0; k < 43; ++k) long_name += "名";
  const auto e = must_fail("{{" + long_name + "}}");
  BOOST_TEST(e.offset == 2u);
  BOOST_TEST(e.message.find("longer than 128") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(default_text_length_is_limited) {
  const std::string ok(max_default_bytes, 'd');
  BOOST_TEST(compile("{{x | default: \"" + ok + "\"}}", context::text).has_value());
  const auto e = must_fail("{{x | default: \"" + ok + "d\"}}");
  BOOST_TEST(e.offset == 15u);
  BOOST_TEST(e.message.find("longer than 1024") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(filter_count_is_limited) {
  std::string src = "{{x";
  for (std::size_t k = 0; k < max_filters_per_slot; ++k) src += "|company";
  BOOST_TEST(compile(src + "}}", context::text).has_value());
  const auto e = must_fail(src + "|company}}");
  BOOST_TEST(e.message.find("more than 8 filters") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_and_header_contexts_escape_every_slot_their_way) {
  BOOST_TEST((must_compile("<b>{{x}}</b>", context::text).slots()[0].esc == escaping::text));
  BOOST_TEST((must_compile("Re: {{x}}", context::header).slots()[0].esc == escaping::header));
  BOOST_TEST((must_compile("<b>{{x}}</b>", context::html).slots()[0].esc == escaping::html_text));
}
