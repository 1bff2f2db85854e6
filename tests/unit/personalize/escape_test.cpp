#include <boost/test/unit_test.hpp>

#include "relay/personalize/escape.hpp"

#include <string>

using namespace kizuna::personalize;

BOOST_AUTO_TEST_CASE(escape_html_replaces_the_five_characters) {
  BOOST_TEST(escape_html("a&b<c>d\"e'f") == "a&amp;b&lt;c&gt;d&quot;e&#39;f");
  BOOST_TEST(escape_html("日本語 plain") == "日本語 plain");
  BOOST_TEST(escape_html(std::string("a\0b\x01\tc\nd", 8)) == "ab\tc\r\nd");
}

BOOST_AUTO_TEST_CASE(escape_attribute_unquoted_also_covers_space_equals_backtick) {
  BOOST_TEST(escape_attribute("a b=c`d\"", attribute_quoting::unquoted) == "a&#32;b&#61;c&#96;d&quot;");
  BOOST_TEST(escape_attribute("a\tb\nc", attribute_quoting::unquoted) == "a&#9;b&#10;c");
  BOOST_TEST(escape_attribute("a b=c") == "a b=c");
}

BOOST_AUTO_TEST_CASE(percent_encode_keeps_only_unreserved) {
  BOOST_TEST(percent_encode("AZaz09-._~") == "AZaz09-._~");
  BOOST_TEST(percent_encode("a b/c?d=e&f#g%") == "a%20b%2Fc%3Fd%3De%26f%23g%25");
  BOOST_TEST(percent_encode("山田") == "%E5%B1%B1%E7%94%B0");
}

BOOST_AUTO_TEST_CASE(header_safe_drops_line_breaks_and_controls) {
  BOOST_TEST(header_safe("X\r\nBcc: evil@example.com") == "XBcc: evil@example.com");
  BOOST_TEST(header_safe(std::string("a\0b\tc\x1b\x7f", 6)) == "ab\tc");
}

BOOST_AUTO_TEST_CASE(text_safe_normalizes_line_breaks) {
  BOOST_TEST(text_safe("a\nb\r\nc\rd\n\n") == "a\r\nb\r\nc\r\nd\r\n\r\n");
  BOOST_TEST(text_safe("\r\r\n") == "\r\n\r\n");
}

BOOST_AUTO_TEST_CASE(safe_url_allows_http_https_mailto_only) {
  BOOST_TEST(safe_url("https://e.example/?a=1&b=2") == "https://e.example/?a=1&b=2");
  BOOST_TEST(safe_url("mailto:a@e.example") == "mailto:a@e.example");
  BOOST_TEST(safe_url("javascript:alert(1)") == "#");
  BOOST_TEST(safe_url("ftp://e.example/") == "#");
  BOOST_TEST(safe_url("https") == "#");
  BOOST_TEST(safe_url(":x") == "#");
  BOOST_TEST(has_allowed_url_scheme("  HTTPS://x"));
  BOOST_TEST(!has_allowed_url_scheme("https-x://x"));
}

BOOST_AUTO_TEST_CASE(escaped_size_matches_append_for_every_escaping) {
  const std::string sample = std::string("a\r\nb\rc\nd\0e<>&\"' =`\\^{|}~%日本", 31) + "javascript:x";
  for (std::string_view v : {std::string_view(sample), std::string_view("https://e.example/ x"),
                             std::string_view(""), std::string_view("\r")}) {
    for (escaping e : {escaping::text, escaping::header, escaping::html_text, escaping::html_attribute, escaping::url,
                       escaping::url_component}) {
      std::string out = "prefix";
      append_escaped(out, e, v);
      BOOST_TEST(out.size() - 6 == escaped_size(e, v), to_string(e));
    }
  }
}
