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
