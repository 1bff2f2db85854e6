#include <boost/test/unit_test.hpp>

#include "relay/admin/pages.hpp"
#include "relay/personalize/escape.hpp"

using namespace kizuna::admin;

// The pages escape with the templates' HTML escaping.
BOOST_AUTO_TEST_CASE(html_escape_covers_markup_and_quotes) {
  using kizuna::personalize::escape_html;
  BOOST_TEST(escape_html("<a href=\"x\" title='y'>&</a>") ==
             "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
  BOOST_TEST(escape_html("山田太郎") == "山田太郎");
}

BOOST_AUTO_TEST_CASE(address_is_masked_to_first_character_and_domain) {
  BOOST_TEST(mask_address("taro@example.com") == "t***@example.com");
  BOOST_TEST(mask_address("t@example.com") == "t***@example.com");
  BOOST_TEST(mask_address("山田@example.jp") == "山***@example.jp");  // a whole UTF-8 character
  BOOST_TEST(mask_address("\"a@b\"@example.com") == "\"***@example.com");
}

BOOST_AUTO_TEST_CASE(confirm_page_is_bilingual_with_a_one_click_form) {
  const auto page = confirm_page("taro@example.com", "newsletter");
  BOOST_TEST(page.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
  BOOST_TEST(page.find("<meta charset=\"utf-8\">") != std::string::npos);
  BOOST_TEST(page.find("<form method=\"post\">") != std::string::npos);
  BOOST_TEST(page.find("<input type=\"hidden\" name=\"List-Unsubscribe\" value=\"One-Click\">") != std::string::npos);
  BOOST_TEST(page.find("配信を停止する / Unsubscribe</button>") != std::string::npos);
  BOOST_TEST(page.find("t***@example.com") != std::string::npos);
  BOOST_TEST(page.find("taro@") == std::string::npos, "the whole address is never shown");
  BOOST_TEST(page.find("newsletter") != std::string::npos);
  BOOST_TEST(page.find("lang=\"en\"") != std::string::npos);
  BOOST_TEST(page.find(" action=") == std::string::npos, "posts to its own URL");
}

BOOST_AUTO_TEST_CASE(every_value_on_a_page_is_escaped) {
  // Scopes and addresses from verified tokens cannot hold markup, but the page
  // escapes whatever it is given.
  const auto page = confirm_page("<script>@x.example", "a<b>&\"");
  BOOST_TEST(page.find("<script>") == std::string::npos);
  BOOST_TEST(page.find("&lt;***@x.example") != std::string::npos);
  BOOST_TEST(page.find("a&lt;b&gt;&amp;&quot;") != std::string::npos);
  const auto done = done_page("<i>@x.example", "<b>");
  BOOST_TEST(done.find("<i>") == std::string::npos);
  BOOST_TEST(done.find("<b>") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(scope_all_reads_as_all_marketing_mail) {
  const auto page = confirm_page("taro@example.com", "*");
  BOOST_TEST(page.find("all marketing email") != std::string::npos);
  BOOST_TEST(page.find("すべて") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(invalid_link_page_is_html_in_japanese_and_english) {
  const auto page = invalid_link_page();
  BOOST_TEST(page.find("<html lang=\"ja\">") != std::string::npos);
  BOOST_TEST(page.find("無効") != std::string::npos);
  BOOST_TEST(page.find("not valid") != std::string::npos);
}
