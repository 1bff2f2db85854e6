#include "relay/smtp/line_framer.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

using kizuna::smtp::line_framer;

namespace {

struct line {
  std::string text;
  bool bare_lf;
  bool too_long;
};

// Commits `data` in chunks of `chunk` bytes, draining lines after each commit
// as the session does.
std::vector<line> feed(line_framer& f, std::string_view data, std::size_t chunk = 4096) {
  std::vector<line> out;
  while (!data.empty()) {
    const auto n = std::min(chunk, data.size());
    auto space = f.prepare(n);
    BOOST_REQUIRE_GE(space.size(), n);
    std::memcpy(space.data(), data.data(), n);
    f.commit(n);
    data.remove_prefix(n);
    while (auto l = f.next()) out.push_back({std::string(l->text), l->bare_lf, l->too_long});
  }
  return out;
}

}  // namespace

BOOST_AUTO_TEST_CASE(pipelined_batch_in_one_commit_comes_out_in_order) {
  line_framer f(510);
  auto lines =
      feed(f, "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  BOOST_TEST(lines[0].text == "MAIL FROM:<a@example.com>");
  BOOST_TEST(lines[1].text == "RCPT TO:<b@example.org>");
  BOOST_TEST(lines[2].text == "RCPT TO:<c@example.org>");
  BOOST_TEST(lines[3].text == "DATA");
  for (const auto& l : lines) {
    BOOST_TEST(!l.bare_lf);
    BOOST_TEST(!l.too_long);
  }
  BOOST_TEST(f.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(next_returns_nothing_until_a_line_is_complete) {
  line_framer f(510);
  BOOST_TEST(!f.next().has_value());
  auto space = f.prepare(16);
  std::memcpy(space.data(), "NOOP", 4);
  f.commit(4);
  BOOST_TEST(!f.next().has_value());
  BOOST_TEST(f.buffered() == 4u);
}

BOOST_AUTO_TEST_CASE(command_split_across_commits_is_joined) {
  line_framer f(510);
  BOOST_TEST(feed(f, "MAIL FR").empty());
  BOOST_TEST(feed(f, "OM:<a@exa").empty());
  auto lines = feed(f, "mple.com>\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "MAIL FROM:<a@example.com>");
  BOOST_TEST(!lines[0].bare_lf);
}

BOOST_AUTO_TEST_CASE(crlf_split_across_commits_is_not_a_bare_lf) {
  line_framer f(510);
  BOOST_TEST(feed(f, "NOOP\r").empty());
  auto lines = feed(f, "\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "NOOP");
  BOOST_TEST(!lines[0].bare_lf);
}

BOOST_AUTO_TEST_CASE(bare_lf_is_flagged) {
  line_framer f(510);
  auto lines = feed(f, "NOOP\nQUIT\r\n\n.\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  BOOST_TEST(lines[0].text == "NOOP");
  BOOST_TEST(lines[0].bare_lf);
  BOOST_TEST(lines[1].text == "QUIT");
  BOOST_TEST(!lines[1].bare_lf);
  BOOST_TEST(lines[2].text == "");
  BOOST_TEST(lines[2].bare_lf);
  BOOST_TEST(lines[3].text == ".");
  BOOST_TEST(lines[3].bare_lf);
}

BOOST_AUTO_TEST_CASE(lone_cr_stays_in_the_line_text) {
  // Only CR immediately before LF ends a line; a bare CR is data for the parser to refuse.
  line_framer f(510);
  auto lines = feed(f, "NO\rOP\r\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "NO\rOP\r");
  BOOST_TEST(!lines[0].bare_lf);
}

BOOST_AUTO_TEST_CASE(empty_crlf_line_is_an_empty_text) {
  line_framer f(510);
  auto lines = feed(f, "\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text.empty());
  BOOST_TEST(!lines[0].bare_lf);
}

BOOST_AUTO_TEST_CASE(pipelined_tail_stays_buffered_for_the_next_read) {
  line_framer f(510);
  auto lines = feed(f, "RSET\r\nNOO");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "RSET");
  BOOST_TEST(f.buffered() == 3u);
  lines = feed(f, "P\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "NOOP");
  BOOST_TEST(f.buffered() == 0u);
}

BOOST_AUTO_TEST_CASE(byte_at_a_time_delivery_gives_the_same_lines) {
  const std::string batch = "EHLO client.example\r\nMAIL FROM:<>\r\nRCPT TO:<x@example.org>\nDATA\r\n";
  line_framer whole(510), bytes(510);
  auto a = feed(whole, batch);
  auto b = feed(bytes, batch, 1);
  BOOST_REQUIRE_EQUAL(a.size(), 4u);
  BOOST_REQUIRE_EQUAL(b.size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    BOOST_TEST(a[i].text == b[i].text);
    BOOST_TEST(a[i].bare_lf == b[i].bare_lf);
  }
  BOOST_TEST(b[2].bare_lf);
}

BOOST_AUTO_TEST_CASE(line_of_exactly_max_line_is_accepted) {
  line_framer f(8);
  auto lines = feed(f, "12345678\r\n12345678\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].text == "12345678");
  BOOST_TEST(!lines[0].too_long);
  BOOST_TEST(lines[1].text == "12345678");
  BOOST_TEST(lines[1].bare_lf);
}

BOOST_AUTO_TEST_CASE(max_line_with_cr_waiting_for_its_lf_is_not_too_long) {
  line_framer f(4);
  BOOST_TEST(feed(f, "ABCD\r").empty());
  auto lines = feed(f, "\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "ABCD");
  BOOST_TEST(!lines[0].too_long);
}

BOOST_AUTO_TEST_CASE(overlong_line_in_one_chunk_is_reported_once_and_next_line_survives) {
  line_framer f(8);
  auto lines = feed(f, "123456789\r\nQUIT\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].too_long);
  BOOST_TEST(lines[0].text.empty());
  BOOST_TEST(lines[1].text == "QUIT");
  BOOST_TEST(!lines[1].too_long);
}

BOOST_AUTO_TEST_CASE(overlong_line_split_across_commits_is_reported_once_at_its_end) {
  line_framer f(8);
  std::vector<line> lines;
  for (int i = 0; i < 50; ++i) {
    auto got = feed(f, "xxxxxxx");
    lines.insert(lines.end(), got.begin(), got.end());
  }
  // Not reported until its line ending is known (DATA needs to know if it was bare).
  BOOST_TEST(lines.empty());
  // The dropped bytes are not kept while waiting for the LF.
  BOOST_TEST(f.buffered() < 8u);
  auto rest = feed(f, "yyy\r\nNOOP\r\n");
  BOOST_REQUIRE_EQUAL(rest.size(), 2u);
  BOOST_TEST(rest[0].too_long);
  BOOST_TEST(!rest[0].bare_lf);
  BOOST_TEST(rest[1].text == "NOOP");
  BOOST_TEST(!rest[1].too_long);
}

BOOST_AUTO_TEST_CASE(overlong_line_reports_its_bare_lf_even_when_cr_ended_the_previous_chunk) {
  line_framer f(8);
  BOOST_TEST(feed(f, std::string(20, 'x') + "\r").empty());
  auto crlf = feed(f, "\nA\r\n");
  BOOST_REQUIRE_EQUAL(crlf.size(), 2u);
  BOOST_TEST(crlf[0].too_long);
  BOOST_TEST(!crlf[0].bare_lf);
  BOOST_TEST(feed(f, std::string(20, 'x')).empty());
  auto bare = feed(f, "\n");
  BOOST_REQUIRE_EQUAL(bare.size(), 1u);
  BOOST_TEST(bare[0].too_long);
  BOOST_TEST(bare[0].bare_lf);
}

BOOST_AUTO_TEST_CASE(line_one_past_the_limit_without_cr_is_too_long_when_lf_arrives) {
  line_framer f(4);
  BOOST_TEST(feed(f, "ABCDE").empty());
  auto lines = feed(f, "\nOK\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 2u);
  BOOST_TEST(lines[0].too_long);
  BOOST_TEST(lines[1].text == "OK");
}

BOOST_AUTO_TEST_CASE(overlong_line_ending_in_a_later_chunk_with_more_lines) {
  line_framer f(510);
  std::string big(2000, 'A');
  auto lines = feed(f, "NOOP\r\n" + big + "\r\nRSET\r\nQUIT\r\n", 300);
  BOOST_REQUIRE_EQUAL(lines.size(), 4u);
  BOOST_TEST(lines[0].text == "NOOP");
  BOOST_TEST(lines[1].too_long);
  BOOST_TEST(lines[2].text == "RSET");
  BOOST_TEST(lines[3].text == "QUIT");
}

BOOST_AUTO_TEST_CASE(buffer_stays_bounded_under_an_endless_line) {
  const std::size_t max_line = 100, chunk = 64;
  line_framer f(max_line);
  std::size_t reports = 0;
  for (int i = 0; i < 10000; ++i)
    for (const auto& l : feed(f, std::string(chunk, 'z'), chunk)) reports += l.too_long ? 1 : 0;
  BOOST_TEST(reports == 0u);  // reported once its LF arrives
  BOOST_TEST(f.capacity() <= max_line + 1 + chunk);
  for (const auto& l : feed(f, "\n", chunk)) reports += l.too_long ? 1 : 0;
  BOOST_TEST(reports == 1u);
}

BOOST_AUTO_TEST_CASE(buffer_stays_bounded_under_a_long_pipelined_stream) {
  const std::size_t max_line = 510, chunk = 4096;
  line_framer f(max_line);
  std::string stream;
  for (int i = 0; i < 5000; ++i) stream += "RCPT TO:<user" + std::to_string(i) + "@example.org>\r\n";
  auto lines = feed(f, stream, chunk);
  BOOST_REQUIRE_EQUAL(lines.size(), 5000u);
  BOOST_TEST(lines.front().text == "RCPT TO:<user0@example.org>");
  BOOST_TEST(lines.back().text == "RCPT TO:<user4999@example.org>");
  BOOST_TEST(f.capacity() <= max_line + 1 + chunk);
}

BOOST_AUTO_TEST_CASE(long_line_fed_byte_by_byte_is_scanned_linearly, *boost::unit_test::timeout(30)) {
  // A rescan from the line start on every byte would be ~8e12 byte compares here;
  // the timeout turns that into a failure rather than a slow pass.
  const std::size_t n = 4'000'000;
  line_framer f(n);
  std::string data(n, 'b');
  data += "\r\n";
  auto lines = feed(f, data, 1);
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text.size() == n);
  BOOST_TEST(!lines[0].too_long);
}

BOOST_AUTO_TEST_CASE(set_max_line_applies_to_following_lines) {
  line_framer f(4);
  BOOST_TEST(feed(f, "123456\r\n")[0].too_long);
  f.set_max_line(998);
  auto lines = feed(f, "123456\r\n");
  BOOST_REQUIRE_EQUAL(lines.size(), 1u);
  BOOST_TEST(lines[0].text == "123456");
}

BOOST_AUTO_TEST_CASE(plain_lines_come_as_one_run_up_to_a_line_that_needs_care) {
  line_framer f(10);
  const std::string in = "ab\r\n0123456789\r\n.stuffed\r\nc\r\nbare\nd\r\n01234567890\r\npartial";
  auto space = f.prepare(in.size());
  std::memcpy(space.data(), in.data(), in.size());
  f.commit(in.size());
  BOOST_TEST(f.take_plain_lines() == "ab\r\n0123456789\r\n");  // a line at the limit is plain
  BOOST_TEST(f.take_plain_lines() == "");                      // a leading '.' needs next()
  BOOST_TEST(f.next()->text == ".stuffed");
  BOOST_TEST(f.take_plain_lines() == "c\r\n");  // stops before the bare LF
  auto bare = f.next();
  BOOST_TEST((bare->text == "bare" && bare->bare_lf));
  BOOST_TEST(f.take_plain_lines() == "d\r\n");  // stops before the overlong line
  BOOST_TEST(f.next()->too_long);
  BOOST_TEST(f.take_plain_lines() == "");  // a partial line stays for next()
  BOOST_TEST(f.buffered() == 7u);
}
