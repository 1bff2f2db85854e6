#include <boost/test/unit_test.hpp>

#include <string>

#include "relay/mime/message.hpp"

using namespace kizuna::mime;

namespace {

// Every byte belongs, in order, to headers, separators, bodies and delimiters:
// the leaves' ranges are increasing and inside their parents'.
void check_ranges(const message& m) {
  std::size_t last_end = 0;
  for (const part& p : m.parts()) {
    BOOST_TEST(p.header.begin <= p.header.end);
    BOOST_TEST(p.header.end <= p.body.begin);
    BOOST_TEST(p.body.end <= m.bytes().size());
    BOOST_TEST(p.header.begin >= last_end);
    if (p.children.empty()) last_end = p.body.end;
    if (p.parent != no_part) {
      const part& parent = m.at(p.parent);
      BOOST_TEST(p.header.begin >= parent.body.begin);
      BOOST_TEST(p.body.end <= parent.body.end);
    }
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(parser)

BOOST_AUTO_TEST_CASE(multipart_ranges_follow_rfc2046_line_end_ownership) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "preamble\r\n"
      "--b\r\n"
      "Content-Type: text/plain\r\n\r\n"
      "one\r\n"
      "--b \t\r\n"
      "\r\n"
      "two\r\n\r\n"
      "--b--\r\n"
      "epilogue\r\n";
  const message m = message::parse(raw);
  BOOST_REQUIRE_EQUAL(m.parts().size(), 3u);
  const part& root = m.root();
  BOOST_TEST(root.is_multipart());
  BOOST_TEST(m.slice(root.preamble) == "preamble");
  BOOST_TEST(m.slice(root.epilogue) == "epilogue\r\n");
  BOOST_TEST(m.slice(m.at(1).body) == "one");
  BOOST_TEST(m.at(1).fields.size() == 1u);
  BOOST_TEST(m.at(2).fields.empty());  // no headers: defaults apply
  BOOST_TEST(m.at(2).type.mime_type() == "text/plain");
  BOOST_TEST(m.slice(m.at(2).body) == "two\r\n");
  BOOST_TEST(m.defects() == 0u);
  check_ranges(m);
}

BOOST_AUTO_TEST_CASE(boundary_prefixes_do_not_confuse_nesting) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=\"ab\"\r\n\r\n"
      "--ab\r\n"
      "Content-Type: multipart/alternative; boundary=\"abc\"\r\n\r\n"
      "--abc\r\n\r\ninner one\r\n"
      "--abc\r\n\r\ninner two\r\n"
      "--abc--\r\n"
      "--ab\r\nContent-Type: text/html\r\n\r\n<p>x</p>\r\n"
      "--ab--\r\n";
  const message m = message::parse(raw);
  BOOST_REQUIRE_EQUAL(m.parts().size(), 5u);
  BOOST_TEST(m.at(1).type.mime_type() == "multipart/alternative");
  BOOST_TEST(m.at(1).children.size() == 2u);
  BOOST_TEST(m.slice(m.at(2).body) == "inner one");
  BOOST_TEST(m.slice(m.at(3).body) == "inner two");
  BOOST_TEST(m.slice(m.at(4).body) == "<p>x</p>");
  BOOST_TEST(m.root().children.size() == 2u);
  BOOST_TEST(m.defects() == 0u);
  check_ranges(m);
}

BOOST_AUTO_TEST_CASE(an_outer_delimiter_ends_an_unclosed_inner_multipart) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n"
      "--o\r\nContent-Type: multipart/alternative; boundary=i\r\n\r\n"
      "--i\r\n\r\nunclosed inner\r\n"
      "--o\r\n\r\nsecond\r\n"
      "--o--\r\n";
  const message m = message::parse(raw);
  BOOST_REQUIRE_EQUAL(m.parts().size(), 4u);
  BOOST_TEST(m.slice(m.at(2).body) == "unclosed inner");
  BOOST_TEST((m.at(1).defects & defect::missing_close_boundary) != 0u);
  BOOST_TEST(m.slice(m.at(3).body) == "second");
  BOOST_TEST((m.root().defects & defect::missing_close_boundary) == 0u);
}

// Found by tests/fuzz/fuzz_mime: when an enclosing delimiter ends an unclosed
// inner multipart right after its last part's header, the line end that part
// holds (its separator, or its field's line end) was also given to the delimiter,
// so the inner multipart ended before its own last part.
BOOST_AUTO_TEST_CASE(an_outer_delimiter_right_after_an_inner_header_keeps_parts_inside_their_parent) {
  for (const std::string last_part : {"Content-Type: text/plain\r\n\r\n", "Content-Type: text/plain\r\n"}) {
    const std::string raw =
        "Content-Type: multipart/mixed; boundary=\"a\"\r\n\r\n"
        "--a\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\n" + last_part + "--a--\r\n";
    const message m = message::parse(raw);
    BOOST_REQUIRE_EQUAL(m.parts().size(), 3u);
    BOOST_TEST(m.at(2).body.empty());
    BOOST_TEST(m.at(1).body.end == m.at(2).body.end);
    BOOST_TEST((m.at(1).defects & defect::missing_close_boundary) != 0u);
    check_ranges(m);
  }
}

BOOST_AUTO_TEST_CASE(empty_bodies_and_delimiters_right_after_headers) {
  const std::string raw =
      "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n\r\n"
      "--b\r\nContent-Type: text/plain\r\n"
      "--b--";
  const message m = message::parse(raw);
  BOOST_REQUIRE_EQUAL(m.parts().size(), 3u);
  BOOST_TEST(m.at(1).body.empty());
  BOOST_TEST(m.at(2).body.empty());
  BOOST_TEST(m.at(2).fields.size() == 1u);
  BOOST_TEST(m.root().epilogue.empty());
}

BOOST_AUTO_TEST_CASE(multipart_without_delimiters_or_boundary_is_opaque) {
  const message none = message::parse("Content-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n");
  BOOST_TEST(none.parts().size() == 1u);
  BOOST_TEST(!none.root().is_multipart());
  BOOST_TEST(none.has_defect(defect::missing_boundary));
  const message absent = message::parse("Content-Type: multipart/mixed; boundary=zz\r\n\r\njust text\r\n");
  BOOST_TEST(absent.parts().size() == 1u);
  BOOST_TEST(absent.has_defect(defect::missing_close_boundary));
  const message longb = message::parse("Content-Type: multipart/mixed; boundary=" + std::string(71, 'q') +
                                       "\r\n\r\n--" + std::string(71, 'q') + "\r\n\r\nx\r\n");
  BOOST_TEST(longb.parts().size() == 1u);
  BOOST_TEST(longb.has_defect(defect::boundary_too_long));
}

BOOST_AUTO_TEST_CASE(part_count_limit_leaves_the_rest_unsplit) {
  std::string raw = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 50; ++i) raw += "--b\r\n\r\npart " + std::to_string(i) + "\r\n";
  raw += "--b--\r\nepilogue\r\n";
  parse_limits lim;
  lim.max_parts = 10;
  const message m = message::parse(raw, lim);
  BOOST_TEST(m.parts().size() == 10u);
  BOOST_TEST(m.has_defect(defect::too_many_parts));
  BOOST_TEST(m.slice(m.root().epilogue) == "epilogue\r\n");
  check_ranges(m);
}

BOOST_AUTO_TEST_CASE(digest_children_default_to_message_rfc822_and_stay_leaves) {
  const std::string raw =
      "Content-Type: multipart/digest; boundary=d\r\n\r\n"
      "--d\r\n\r\nContent-Type: multipart/mixed; boundary=n\r\n\r\n--n\r\n\r\ninner\r\n--n--\r\n"
      "--d--\r\n";
  const message m = message::parse(raw);
  BOOST_REQUIRE_EQUAL(m.parts().size(), 2u);
  BOOST_TEST(m.at(1).type.mime_type() == "message/rfc822");
  BOOST_TEST(!m.at(1).is_multipart());
}

BOOST_AUTO_TEST_CASE(garbage_never_crashes) {
  // A cheap fuzz: prefixes and byte flips of a nested message.
  const std::string base =
      "Content-Type: multipart/mixed; boundary=\"o\"\r\n\r\n--o\r\nContent-Type: multipart/related; "
      "boundary=i\r\n\r\n--i\r\nContent-Type: text/plain; charset*0*=utf-8''a; charset*1=b\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n44GC\r\n--i--\r\n--o\r\n\r\n\xff\xfe\r\n--o--\r\n";
  std::size_t total = 0;
  for (std::size_t n = 0; n <= base.size(); ++n) total += message::parse(base.substr(0, n)).parts().size();
  for (std::size_t i = 0; i < base.size(); ++i) {
    for (char c : {'\n', '\r', '-', '\0', ':', ' ', '\x80'}) {
      std::string s = base;
      s[i] = c;
      const message m = message::parse(s);
      total += m.parts().size();
      check_ranges(m);
    }
  }
  BOOST_TEST(total > 0u);
  BOOST_TEST(message::parse("").parts().size() == 1u);
  BOOST_TEST(message::parse("\r\n").root().has_separator);
  BOOST_TEST(message::parse(std::string(10000, '\n')).parts().size() == 1u);
}

BOOST_AUTO_TEST_CASE(newline_follows_the_first_line) {
  BOOST_TEST(message::parse("A: b\r\n\r\nc\n").newline() == "\r\n");
  BOOST_TEST(message::parse("A: b\n\nc\r\n").newline() == "\n");
  BOOST_TEST(message::parse("no line end").newline() == "\r\n");
}

BOOST_AUTO_TEST_SUITE_END()
