// SMTP transparency (RFC 5321 §4.5.2): stuff_dots / unstuff_dots are inverses,
// a line starting with '.' gets exactly one more, and only at line starts.
#include <boost/test/unit_test.hpp>
#include <string>

#include "relay/core/dot_stuffing.hpp"

using kizuna::stuff_dots;
using kizuna::unstuff_dots;
using kizuna::wire_form_of_file;

BOOST_AUTO_TEST_CASE(stuffing_adds_one_dot_at_each_line_start_only) {
  BOOST_TEST(stuff_dots(".a\r\nb.c\r\n..d\r\n.\r\nend") == "..a\r\nb.c\r\n...d\r\n..\r\nend");
  BOOST_TEST(stuff_dots("no dots\r\nat line starts.\r\n") == "no dots\r\nat line starts.\r\n");
  BOOST_TEST(stuff_dots("") == "");
  BOOST_TEST(stuff_dots("x\n.") == "x\n..");
}

BOOST_AUTO_TEST_CASE(unstuffing_removes_one_dot_per_line_start) {
  BOOST_TEST(unstuff_dots("..a\r\nb.c\r\n...d\r\n..\r\nend") == ".a\r\nb.c\r\n..d\r\n.\r\nend");
  BOOST_TEST(unstuff_dots(".") == "");
}

BOOST_AUTO_TEST_CASE(round_trips) {
  for (const std::string plain : {".", "..", "\n.\n..\n...", "a\r\n.b\r\n\r\n..c", ".x.y\n.z."})
    BOOST_TEST(unstuff_dots(stuff_dots(plain)) == plain);
}

BOOST_AUTO_TEST_CASE(a_file_becomes_what_an_smtp_client_sends) {
  BOOST_TEST(wire_form_of_file("a\n.b\r\nc\n") == "a\r\n..b\r\nc\r\n");
}

BOOST_AUTO_TEST_CASE(agrees_with_line_by_line_stuffing_on_dotty_text) {
  // Dots everywhere but at line starts, at line starts, runs of them, CRLF and bare LF.
  const std::string pieces[] = {".", "..", "\r\n", "\n", "a", "a.b", "\r\n.", "\n..x", "text "};
  auto by_line = [](const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '.' && (i == 0 || s[i - 1] == '\n')) out += '.';
      out += s[i];
    }
    return out;
  };
  unsigned seed = 7;
  for (int round = 0; round < 5000; ++round) {
    std::string s;
    for (int k = 0; k < 10; ++k) s += pieces[((seed = seed * 1103515245u + 12345u) >> 16) % std::size(pieces)];
    BOOST_TEST_REQUIRE(stuff_dots(s) == by_line(s));
    BOOST_TEST_REQUIRE(unstuff_dots(by_line(s)) == s);
  }
}
