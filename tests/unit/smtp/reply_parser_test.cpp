// parse_reply: downstream replies (RFC 5321 §4.2), single and multi-line, with
// RFC 3463 enhanced status codes split off when they match the reply class.
#include "relay/smtp/reply_parser.hpp"

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>

using namespace kizuna::smtp;

namespace kizuna::smtp {
inline std::ostream& boost_test_print_type(std::ostream& os, reply_error e) {
  return os << (e == reply_error::malformed ? "malformed" : "too_long");
}
}  // namespace kizuna::smtp

namespace {

// The complete reply, failing the test when the input is an error or incomplete.
parsed_reply complete(std::string_view input) {
  auto r = parse_reply(input);
  BOOST_REQUIRE_MESSAGE(r.has_value(), "expected a reply from '" << input << "', got an error");
  BOOST_REQUIRE_MESSAGE(r->has_value(), "expected a complete reply from '" << input << "'");
  return **r;
}

reply_error error_of(std::string_view input) {
  auto r = parse_reply(input);
  BOOST_REQUIRE_MESSAGE(!r.has_value(), "expected '" << input << "' to be refused");
  return r.error();
}

bool incomplete(std::string_view input) {
  auto r = parse_reply(input);
  return r.has_value() && !r->has_value();
}

}  // namespace

BOOST_AUTO_TEST_CASE(single_line_reply_gives_code_enhanced_and_text) {
  const std::string in = "250 2.1.5 Ok\r\n";
  auto r = complete(in);
  BOOST_TEST(r.value.code == 250);
  BOOST_TEST(r.value.enhanced == "2.1.5");
  BOOST_TEST(r.value.text == "Ok");
  BOOST_TEST(r.lines.size() == 1u);
  BOOST_TEST(r.consumed == in.size());
}

BOOST_AUTO_TEST_CASE(reply_without_enhanced_status_keeps_all_text) {
  auto r = complete("220 mx.example ESMTP ready\r\n");
  BOOST_TEST(r.value.code == 220);
  BOOST_TEST(r.value.enhanced.empty());
  BOOST_TEST(r.value.text == "mx.example ESMTP ready");
}

BOOST_AUTO_TEST_CASE(multiline_ehlo_reply_keeps_every_line) {
  const std::string in =
      "250-mx.example\r\n"
      "250-PIPELINING\r\n"
      "250-SIZE 1000000\r\n"
      "250 ENHANCEDSTATUSCODES\r\n";
  auto r = complete(in);
  BOOST_TEST(r.value.code == 250);
  BOOST_REQUIRE(r.lines.size() == 4u);
  BOOST_TEST(r.lines[0] == "mx.example");
  BOOST_TEST(r.lines[1] == "PIPELINING");
  BOOST_TEST(r.lines[2] == "SIZE 1000000");
  BOOST_TEST(r.lines[3] == "ENHANCEDSTATUSCODES");
  BOOST_TEST(r.value.text == "ENHANCEDSTATUSCODES");
  BOOST_TEST(r.consumed == in.size());
}

BOOST_AUTO_TEST_CASE(enhanced_status_is_split_only_when_its_class_matches_the_code) {
  auto match = complete("451 4.3.0 try later\r\n");
  BOOST_TEST(match.value.enhanced == "4.3.0");
  BOOST_TEST(match.value.text == "try later");

  auto mismatch = complete("451 5.3.0 try later\r\n");
  BOOST_TEST(mismatch.value.enhanced.empty());
  BOOST_TEST(mismatch.value.text == "5.3.0 try later");
}

BOOST_AUTO_TEST_CASE(enhanced_status_with_three_digit_parts_is_split) {
  auto r = complete("550 5.123.456 no\r\n");
  BOOST_TEST(r.value.enhanced == "5.123.456");
  BOOST_TEST(r.value.text == "no");
}

BOOST_AUTO_TEST_CASE(enhanced_status_alone_on_the_line_is_split_with_empty_text) {
  auto r = complete("250 2.0.0\r\n");
  BOOST_TEST(r.value.enhanced == "2.0.0");
  BOOST_TEST(r.value.text.empty());
}

BOOST_AUTO_TEST_CASE(text_that_only_looks_like_a_status_is_not_split) {
  for (const char* in : {"250 2.0.0Ok\r\n", "250 2.0 Ok\r\n", "250 2..0 Ok\r\n", "250 2.1234.0 Ok\r\n"}) {
    auto r = complete(in);
    BOOST_TEST(r.value.enhanced.empty(), in);
  }
}

BOOST_AUTO_TEST_CASE(incomplete_input_needs_more) {
  BOOST_TEST(incomplete(""));
  BOOST_TEST(incomplete("25"));
  BOOST_TEST(incomplete("250 Ok"));
  BOOST_TEST(incomplete("250 Ok\r"));
  BOOST_TEST(incomplete("250-mx.example\r\n250-PIPELINING\r\n"));
  BOOST_TEST(incomplete("250-mx.example\r\n250 SIZE"));
}

BOOST_AUTO_TEST_CASE(mixed_codes_in_one_reply_are_malformed) {
  BOOST_TEST(error_of("250-mx.example\r\n251 Ok\r\n") == reply_error::malformed);
}

BOOST_AUTO_TEST_CASE(non_digit_code_is_malformed) {
  BOOST_TEST(error_of("2x0 Ok\r\n") == reply_error::malformed);
  BOOST_TEST(error_of("hello\r\n") == reply_error::malformed);
  BOOST_TEST(error_of("25\r\n") == reply_error::malformed);
  BOOST_TEST(error_of("\r\n") == reply_error::malformed);
}

BOOST_AUTO_TEST_CASE(code_outside_200_to_599_is_malformed) {
  for (const char* in : {"199 x\r\n", "100 x\r\n", "600 x\r\n", "000 x\r\n", "999 x\r\n"})
    BOOST_TEST(error_of(in) == reply_error::malformed, in);
  BOOST_TEST(complete("200 x\r\n").value.code == 200);
  BOOST_TEST(complete("599 x\r\n").value.code == 599);
}

BOOST_AUTO_TEST_CASE(bad_separator_after_code_is_malformed) {
  BOOST_TEST(error_of("250_Ok\r\n") == reply_error::malformed);
}

BOOST_AUTO_TEST_CASE(reply_longer_than_max_reply_bytes_is_too_long) {
  // Complete but too long.
  const std::string one_line = "250 " + std::string(max_reply_bytes, 'a') + "\r\n";
  BOOST_TEST(error_of(one_line) == reply_error::too_long);
  // Still incomplete, but already past the limit: no point waiting for more.
  const std::string unfinished = "250 " + std::string(max_reply_bytes, 'a');
  BOOST_TEST(error_of(unfinished) == reply_error::too_long);
  // Many short continuation lines add up too.
  std::string many;
  while (many.size() <= max_reply_bytes) many += "250-" + std::string(60, 'k') + "\r\n";
  many += "250 end\r\n";
  BOOST_TEST(error_of(many) == reply_error::too_long);
}

BOOST_AUTO_TEST_CASE(reply_of_exactly_max_reply_bytes_is_accepted) {
  const std::string in = "250 " + std::string(max_reply_bytes - 6, 'a') + "\r\n";
  BOOST_REQUIRE(in.size() == max_reply_bytes);
  BOOST_TEST(complete(in).consumed == max_reply_bytes);
}

BOOST_AUTO_TEST_CASE(bare_lf_line_ends_are_accepted) {
  const std::string in = "250-mx.example\n250 2.0.0 Ok\n";
  auto r = complete(in);
  BOOST_TEST(r.value.code == 250);
  BOOST_TEST(r.value.enhanced == "2.0.0");
  BOOST_TEST(r.value.text == "Ok");
  BOOST_REQUIRE(r.lines.size() == 2u);
  BOOST_TEST(r.lines[0] == "mx.example");
  BOOST_TEST(r.consumed == in.size());
}

BOOST_AUTO_TEST_CASE(code_without_text_is_accepted) {
  auto r = complete("250\r\n");
  BOOST_TEST(r.value.code == 250);
  BOOST_TEST(r.value.text.empty());
}

BOOST_AUTO_TEST_CASE(two_replies_back_to_back_are_parsed_one_at_a_time) {
  const std::string first = "250-mx.example\r\n250 PIPELINING\r\n";
  const std::string second = "550 5.1.1 no such user\r\n";
  const std::string in = first + second + "354 go";
  auto a = complete(in);
  BOOST_TEST(a.value.code == 250);
  BOOST_TEST(a.consumed == first.size());
  std::string_view rest = std::string_view(in).substr(a.consumed);
  auto b = complete(rest);
  BOOST_TEST(b.value.code == 550);
  BOOST_TEST(b.value.enhanced == "5.1.1");
  BOOST_TEST(b.value.text == "no such user");
  BOOST_TEST(b.consumed == second.size());
  BOOST_TEST(incomplete(rest.substr(b.consumed)));
}
