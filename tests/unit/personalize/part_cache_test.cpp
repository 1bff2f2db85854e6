// The part cache: a later message with the same body under other headers reuses
// the compiled parts and renders exactly what a compile without the cache
// renders; any difference in a part's bytes, its charset or its footer misses;
// the cache stays within its bounds.
#include <boost/test/unit_test.hpp>

#include "map_source.hpp"
#include "relay/personalize/message_template.hpp"
#include "relay/personalize/part_cache.hpp"

#include <string>

using namespace kizuna::personalize;
using kizuna::personalize::testing::map_source;

namespace {

// A campaign message: per-message headers, then the shared multipart body.
std::string campaign_message(std::string_view message_id, std::string_view body_word = "sale") {
  std::string m = "From: shop@example.jp\r\nTo: list@example.jp\r\nSubject: {{last_name}} 様\r\nMessage-ID: ";
  m.append(message_id).append("\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"b\"\r\n\r\n");
  m += "--b\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n";
  for (int i = 0; i < 40; ++i) m += "{{last_name}} 様、春の" + std::string(body_word) + "のご案内です。\r\n";
  m += "--b\r\nContent-Type: text/html; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n";
  m += "<html><body><p>{{company}}</p><a href=3D\"https://shop.example.jp/?n=3D{{last_name}}\">=E3=81=82</a>";
  m += "</body></html>\r\n--b--\r\n";
  return m;
}

const map_source contact{{"contact.last_name", "山田"}, {"contact.company", "株式会社ベーシック"}};

std::string rendered(const message_template& t) {
  copy_headers h;
  h.to = "yamada@example.jp";
  h.message_id = "<copy@relay.example.jp>";
  const rendered_copy c = render_copy(t, contact, h);
  BOOST_REQUIRE(c.error.empty());
  return c.bytes;
}

message_template compiled(std::string bytes, part_cache* cache, std::string_view footer_text = "") {
  compile_options options;
  options.cache = cache;
  options.footer_text = footer_text;
  auto t = compile_message(std::move(bytes), options);
  if (!t) BOOST_FAIL("compile_message failed: " << t.error());
  return std::move(*t);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(part_cache_tests)

BOOST_AUTO_TEST_CASE(a_later_message_with_the_same_body_reuses_its_parts) {
  part_cache cache;
  const auto first = compiled(campaign_message("<1@shop.example.jp>"), &cache);
  BOOST_TEST(cache.hits() == 0u);
  BOOST_TEST(cache.size() == 2u);
  const auto second = compiled(campaign_message("<2@shop.example.jp>"), &cache);
  BOOST_TEST(cache.hits() == 2u);
  BOOST_TEST(second.parts().size() == 2u);
  BOOST_TEST(second.field_names() == first.field_names(), boost::test_tools::per_element());
  // Byte for byte what the same message compiled without a cache gives.
  const std::string copy = rendered(second);
  BOOST_TEST(copy == rendered(compiled(campaign_message("<2@shop.example.jp>"), nullptr)));
  BOOST_TEST(copy.find("山田 様、春のsaleのご案内") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_part_that_differs_anywhere_misses) {
  part_cache cache;
  compiled(campaign_message("<1@shop.example.jp>"), &cache);
  // One word changed in every line of the text part; the HTML part is the same.
  const auto other = compiled(campaign_message("<2@shop.example.jp>", "SALE"), &cache);
  BOOST_TEST(cache.hits() == 1u);
  BOOST_TEST(rendered(other).find("春のSALEのご案内") != std::string::npos);

  // A single byte in the middle of a long body, away from the sampled words.
  std::string body(20000, 'x');
  const std::string head = "Content-Type: text/plain; charset=UTF-8\r\n\r\n{{last_name}}\r\n";
  compiled(head + body, &cache);
  body[10007] = 'Z';
  const auto changed = compiled(head + body, &cache);
  BOOST_TEST(cache.hits() == 1u);
  const map_source ascii{{"contact.last_name", "Yamada"}};
  copy_headers h;
  h.to = "yamada@example.jp";
  h.message_id = "<copy@relay.example.jp>";
  const std::string copy = render_copy(changed, ascii, h).bytes;
  BOOST_TEST(copy.find("Yamada\r\n") != std::string::npos);
  BOOST_TEST(copy.find('Z') != std::string::npos);
}

BOOST_AUTO_TEST_CASE(another_footer_or_charset_misses) {
  part_cache cache;
  compiled(campaign_message("<1@shop.example.jp>"), &cache, "-- \n{{company}}");
  const auto other_footer = compiled(campaign_message("<2@shop.example.jp>"), &cache, "-- \nstop: {{last_name}}");
  BOOST_TEST(cache.hits() == 1u);  // the HTML part only: its footer (none) is the same
  BOOST_TEST(rendered(other_footer).find("stop: 山田") != std::string::npos);

  const std::string utf8 = "Content-Type: text/plain; charset=UTF-8\r\n\r\n{{last_name}}\r\n";
  const std::string latin = "Content-Type: text/plain; charset=ISO-8859-1\r\n\r\n{{last_name}}\r\n";
  part_cache fresh;
  compiled(utf8, &fresh);
  compiled(latin, &fresh);
  BOOST_TEST(fresh.hits() == 0u);
  BOOST_TEST(fresh.size() == 2u);
}

BOOST_AUTO_TEST_CASE(stays_within_its_bounds) {
  part_cache few(1u << 20, 3);
  for (int i = 0; i < 10; ++i)
    compiled("Content-Type: text/plain\r\n\r\n{{last_name}} " + std::to_string(i) + "\r\n", &few);
  BOOST_TEST(few.size() == 3u);
  // The most recent ones stay: the last message hits.
  compiled("Content-Type: text/plain\r\n\r\n{{last_name}} 9\r\n", &few);
  BOOST_TEST(few.hits() == 1u);

  part_cache small(64u << 10, 100);
  for (int i = 0; i < 10; ++i)
    compiled("Content-Type: text/plain\r\n\r\n{{last_name}}" + std::string(20000, static_cast<char>('a' + i)) + "\r\n",
             &small);
  BOOST_TEST(small.bytes() <= 64u << 10);
  BOOST_TEST(small.size() < 10u);
}

BOOST_AUTO_TEST_SUITE_END()
