// Parsing a downstream server's EHLO reply into capabilities.
#include "relay/smtp/ehlo_capabilities.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

using namespace kizuna::smtp;

BOOST_AUTO_TEST_CASE(every_known_keyword_is_recognised) {
  const std::vector<std::string> lines = {"mx.example Hello", "PIPELINING", "SIZE 1000",   "8BITMIME",
                                          "SMTPUTF8",         "STARTTLS",   "AUTH LOGIN PLAIN", "DSN"};
  auto c = parse_ehlo(lines);
  BOOST_TEST(c.esmtp);
  BOOST_TEST(c.pipelining);
  BOOST_TEST(c.size);
  BOOST_TEST(c.max_size == 1000u);
  BOOST_TEST(c.eight_bit_mime);
  BOOST_TEST(c.smtputf8);
  BOOST_TEST(c.starttls);
  BOOST_TEST(c.auth);
  BOOST_TEST(c.auth_plain);
}

BOOST_AUTO_TEST_CASE(keywords_are_case_insensitive_and_the_first_line_is_the_name) {
  const std::vector<std::string> lines = {"STARTTLS", "starttls", "auth=plain"};
  auto c = parse_ehlo(lines);
  BOOST_TEST(c.starttls);
  BOOST_TEST(c.auth);
  BOOST_TEST(c.auth_plain);
}

BOOST_AUTO_TEST_CASE(auth_without_plain_and_lookalikes) {
  const std::vector<std::string> lines = {"mx", "AUTH CRAM-MD5 PLAINISH", "STARTTLSX", "PIPELININGX"};
  auto c = parse_ehlo(lines);
  BOOST_TEST(c.auth);
  BOOST_TEST(!c.auth_plain);
  BOOST_TEST(!c.starttls);
  BOOST_TEST(!c.pipelining);
}
