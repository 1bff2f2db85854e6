#include <boost/test/unit_test.hpp>

#include "relay/core/optout_entry.hpp"

using namespace kizuna;

BOOST_AUTO_TEST_SUITE(optout_entry_format)

BOOST_AUTO_TEST_CASE(encodes_at_source_reason) {
  BOOST_TEST(encode_optout_entry({1700000000, "cli", "asked by phone"}) == "1700000000|cli|asked by phone");
  BOOST_TEST(encode_optout_entry({0, "", ""}) == "0||");
}

BOOST_AUTO_TEST_CASE(pipes_and_line_breaks_in_text_are_sanitized_not_refused) {
  BOOST_TEST(encode_optout_entry({1, "crm|sf", "line1\r\nline2 | x\t"}) == "1|crm/sf|line1  line2 / x");
  auto e = decode_optout_entry(encode_optout_entry({5, "a|b", "c|d"}));
  BOOST_REQUIRE(e);
  BOOST_TEST(e->at == 5);
  BOOST_TEST(e->source == "a/b");
  BOOST_TEST(e->reason == "c/d");
}

BOOST_AUTO_TEST_CASE(decode_splits_at_the_first_two_pipes) {
  auto e = decode_optout_entry("12|one-click|a|b");
  BOOST_REQUIRE(e);
  BOOST_TEST(e->source == "one-click");
  BOOST_TEST(e->reason == "a|b");
  BOOST_TEST(!decode_optout_entry("12|only-two"));
  BOOST_TEST(!decode_optout_entry("soon|x|y"));
}

BOOST_AUTO_TEST_CASE(epoch_seconds_are_checked) {
  BOOST_TEST(*parse_epoch(" 1700000000 ") == 1700000000);
  BOOST_TEST(!parse_epoch("-1"));
  BOOST_TEST(!parse_epoch("+1"));
  BOOST_TEST(!parse_epoch("17e8"));
  BOOST_TEST(!parse_epoch("2024-01-01"));
  BOOST_TEST(!parse_epoch(""));
  BOOST_TEST(!parse_epoch("253402300800"));
}

BOOST_AUTO_TEST_CASE(scopes_are_star_or_category_tokens) {
  BOOST_TEST(*validate_optout_scope("*") == "*");
  BOOST_TEST(*validate_optout_scope("newsletter") == "newsletter");
  BOOST_TEST(!validate_optout_scope(""));
  BOOST_TEST(!validate_optout_scope("all"));
  BOOST_TEST(!validate_optout_scope("news letter"));
  BOOST_TEST(!validate_optout_scope("a|b"));
}

BOOST_AUTO_TEST_SUITE_END()
