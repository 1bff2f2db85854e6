#define BOOST_TEST_MODULE mime
#include <boost/test/unit_test.hpp>

#include "relay/mime/control_headers.hpp"

using namespace kizuna::mime;

namespace {
const std::string message =
    "From: a@example.org\r\n"
    "X-Kizuna-Campaign: kansai-spring-2026\r\n"
    "x-kizuna-category: NewsLetter\r\n"
    "Subject: hello\r\n"
    "X-Kizuna-Persona:\r\n"
    "  yamada\r\n"
    "Message-ID: <m1@example.org>\r\n"
    "\r\n"
    "X-Kizuna-Campaign: in-body-is-not-a-header\r\n";
}

BOOST_AUTO_TEST_CASE(control_headers_are_read_case_insensitively_and_unfolded) {
  auto h = read_control_headers(message);
  BOOST_TEST(h.any_control);
  BOOST_TEST(h.campaign.value_or("") == "kansai-spring-2026");
  BOOST_TEST(h.category.value_or("") == "newsletter");
  BOOST_TEST(h.persona.value_or("") == "yamada");
  BOOST_TEST(h.message_id.value_or("") == "<m1@example.org>");
}

BOOST_AUTO_TEST_CASE(strip_removes_every_control_field_with_its_continuations_only) {
  const std::string out = strip_control_headers(message);
  BOOST_TEST(out ==
             "From: a@example.org\r\n"
             "Subject: hello\r\n"
             "Message-ID: <m1@example.org>\r\n"
             "\r\n"
             "X-Kizuna-Campaign: in-body-is-not-a-header\r\n");
}

BOOST_AUTO_TEST_CASE(message_without_control_headers_is_unchanged) {
  const std::string plain = "From: a@example.org\r\nSubject: x\r\n\r\nbody\r\n";
  BOOST_TEST(strip_control_headers(plain) == plain);
  BOOST_TEST(!read_control_headers(plain).any_control);
  BOOST_TEST(!read_control_headers(plain).category);
}

BOOST_AUTO_TEST_CASE(values_with_control_characters_or_too_long_are_ignored) {
  auto h = read_control_headers("X-Kizuna-Category: news\x01letter\r\nX-Kizuna-Campaign: " + std::string(300, 'c') +
                                "\r\n\r\n");
  BOOST_TEST(h.any_control);
  BOOST_TEST(!h.category);
  BOOST_TEST(!h.campaign);
}

BOOST_AUTO_TEST_CASE(headers_only_message_without_blank_line) {
  const std::string m = "Subject: x\r\nX-Kizuna-Category: receipt\r\n";
  BOOST_TEST(read_control_headers(m).category.value_or("") == "receipt");
  BOOST_TEST(strip_control_headers(m) == "Subject: x\r\n");
}

BOOST_AUTO_TEST_CASE(body_starting_without_blank_line_stops_the_scan) {
  const std::string m = "Subject: x\r\nthis is body text\r\nX-Kizuna-Category: receipt\r\n";
  BOOST_TEST(!read_control_headers(m).category);
  BOOST_TEST(strip_control_headers(m) == m);
}
