// Deterministic random templates built from the tokens that matter to the
// slot grammar and the HTML tokenizer, rendered with hostile values: compile
// and render never crash, and a value never adds a byte that structures the
// output (< > " ' in HTML, CR LF in headers) beyond the template's own.
#include <boost/test/unit_test.hpp>

#include "map_source.hpp"

#include <algorithm>
#include <array>
#include <random>
#include <string>

using namespace kizuna::personalize;
using kizuna::personalize::testing::map_source;

namespace {

constexpr std::array<std::string_view, 40> tokens{
    "{{", "}}", "{{x}}", "{{ y | default: \"d\\\"<\" }}", "{{x|company}}", "{{unsubscribe_url}}", "{{ x", "|",
    "<", ">", "</", "\"", "'", "=", " ", "\r\n", "a", "会社", "<p>", "<a href=", "<a href=\"", "<img src='",
    " title=", "<!--", "-->", "<!--[if mso]>", "<![endif]-->", "<script>", "</script>", "<style>", "</style>",
    "<title>", "</title>", "<!DOCTYPE html>", "<?x", "&amp;", "/>", " onclick=", "https://e.example/?q=", "{"};

std::size_t count_of(std::string_view s, char c) { return static_cast<std::size_t>(std::count(s.begin(), s.end(), c)); }

}  // namespace

BOOST_AUTO_TEST_CASE(random_templates_never_let_values_add_structure) {
  const map_source hostile{{"contact.x", "\"'<>\r\n--><script>alert(1)</script>javascript:x"},
                           {"contact.y", ""},
                           {"unsubscribe_url", " javascript:alert('x') "}};
  std::mt19937 rng(20260601);
  std::size_t compiled = 0;
  for (int round = 0; round < 4000; ++round) {
    std::string src;
    const int n = 1 + static_cast<int>(rng() % 24);
    for (int k = 0; k < n; ++k) src += tokens[rng() % tokens.size()];
    for (context where : {context::text, context::html, context::header}) {
      const auto t = compile(src, where);
      if (!t) {
        BOOST_TEST(t.error().offset <= src.size());
        continue;
      }
      ++compiled;
      const std::string out = render(*t, hostile).out;
      const std::string_view lit = t->literal();
      if (where == context::html) {
        for (char c : {'<', '>', '"', '\''}) BOOST_TEST(count_of(out, c) == count_of(lit, c), src);
      } else if (where == context::header) {
        for (char c : {'\r', '\n'}) BOOST_TEST(count_of(out, c) == count_of(lit, c), src);
      }
    }
  }
  BOOST_TEST(compiled > 4000u);
}
