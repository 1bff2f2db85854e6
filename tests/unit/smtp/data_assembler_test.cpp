// data_assembler: the DATA body in wire form (RFC 5321 §4.1.1.4, §4.5.2), with
// the SMTP-smuggling defence (only CRLF.CRLF ends DATA) and bounded size.
#include "relay/smtp/data_assembler.hpp"

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <cstring>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "relay/smtp/line_framer.hpp"

using namespace kizuna::smtp;
using status = data_assembler::status;

namespace kizuna::smtp {
inline std::ostream& boost_test_print_type(std::ostream& os, data_assembler::status s) {
  return os << (s == data_assembler::status::done ? "done" : "more");
}
}  // namespace kizuna::smtp

namespace {

framed_line crlf(std::string_view text) { return framed_line{.text = text}; }
framed_line bare(std::string_view text) { return framed_line{.text = text, .bare_lf = true}; }
constexpr framed_line overlong{.text = {}, .bare_lf = false, .too_long = true};

}  // namespace

BOOST_AUTO_TEST_SUITE(end_of_data)

BOOST_AUTO_TEST_CASE(dot_crlf_after_crlf_ends_data_and_is_not_stored) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf("Subject: hi")) == status::more);
  BOOST_TEST(d.feed(crlf("")) == status::more);
  BOOST_TEST(d.feed(crlf("body")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "Subject: hi\r\n\r\nbody\r\n");
}

BOOST_AUTO_TEST_CASE(dot_as_the_first_line_ends_an_empty_message) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take().empty());
  BOOST_TEST(d.size() == 0u);
}

BOOST_AUTO_TEST_CASE(dot_with_bare_lf_does_not_end_data_and_becomes_an_empty_line) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf("a")) == status::more);
  BOOST_TEST(d.feed(bare(".")) == status::more);
  BOOST_TEST(d.feed(crlf("b")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "a\r\n\r\nb\r\n");
  BOOST_TEST(d.had_bare_lf());
}

BOOST_AUTO_TEST_CASE(dot_crlf_after_a_bare_lf_line_does_not_end_data) {
  // "a\n.\r\n": the <LF>.<CR><LF> smuggling sequence.
  data_assembler d(1000);
  BOOST_TEST(d.feed(bare("a")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::more);
  BOOST_TEST(d.feed(crlf("MAIL FROM:<spoof@example.com>")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  const std::string wire = d.take();
  BOOST_TEST(wire == "a\r\n\r\nMAIL FROM:<spoof@example.com>\r\n");
}

BOOST_AUTO_TEST_CASE(the_stored_message_never_contains_an_end_of_data_line) {
  data_assembler d(1000);
  for (auto l : {crlf("x"), bare("."), crlf("."), bare("y"), crlf("."), crlf(".."), crlf(".z")})
    BOOST_TEST(d.feed(l) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  const std::string wire = "\r\n" + d.take();
  BOOST_TEST(wire.find("\r\n.\r\n") == std::string::npos);
  BOOST_TEST(wire.find("\n.\r\n") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(dot_stuffing)

BOOST_AUTO_TEST_CASE(correctly_stuffed_double_dot_stays_stuffed) {
  data_assembler d(1000);
  d.feed(crlf(".."));
  d.feed(crlf("..leading dot"));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "..\r\n..leading dot\r\n");
}

BOOST_AUTO_TEST_CASE(wrongly_stuffed_dot_line_loses_its_dot) {
  data_assembler d(1000);
  d.feed(crlf(".x"));
  d.feed(crlf(". y"));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "x\r\n y\r\n");
}

BOOST_AUTO_TEST_CASE(dots_inside_a_line_are_untouched) {
  data_assembler d(1000);
  d.feed(crlf("a.b.."));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "a.b..\r\n");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(bare_lf)

BOOST_AUTO_TEST_CASE(bare_lf_lines_are_stored_with_crlf_and_flagged) {
  data_assembler d(1000);
  d.feed(bare("one"));
  d.feed(bare("two"));
  d.feed(crlf("three"));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.had_bare_lf());
  BOOST_TEST(d.take() == "one\r\ntwo\r\nthree\r\n");
}

BOOST_AUTO_TEST_CASE(all_crlf_message_is_not_flagged_bare_lf) {
  data_assembler d(1000);
  d.feed(crlf("one"));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(!d.had_bare_lf());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(limits)

BOOST_AUTO_TEST_CASE(size_counts_stored_bytes_with_crlf) {
  data_assembler d(1000);
  d.feed(crlf("abc"));  // 5
  d.feed(bare("de"));   // 4: stored with CRLF
  d.feed(crlf(""));     // 2
  BOOST_TEST(d.size() == 11u);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.size() == 11u);  // the terminating "." is not part of the message
  BOOST_TEST(d.take().size() == 11u);
}

BOOST_AUTO_TEST_CASE(message_of_exactly_max_bytes_is_not_too_large) {
  data_assembler d(10);
  d.feed(crlf("12345678"));  // 10 bytes with CRLF
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(!d.too_large());
  BOOST_TEST(d.take() == "12345678\r\n");
}

BOOST_AUTO_TEST_CASE(past_max_bytes_is_too_large_but_reading_continues_to_the_end) {
  data_assembler d(10);
  BOOST_TEST(d.feed(crlf("12345678")) == status::more);
  BOOST_TEST(!d.too_large());
  BOOST_TEST(d.feed(crlf("9")) == status::more);
  BOOST_TEST(d.too_large());
  // The rest is consumed (not stored) until the real end of data.
  for (int i = 0; i < 100; ++i) BOOST_TEST(d.feed(crlf("more text")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.too_large());
  BOOST_TEST(d.size() > 10u);
  BOOST_TEST(d.take().size() <= 10u);
}

BOOST_AUTO_TEST_CASE(too_long_line_is_flagged_and_data_still_ends_at_dot) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf("before")) == status::more);
  BOOST_TEST(d.feed(overlong) == status::more);
  BOOST_TEST(d.had_long_line());
  BOOST_TEST(d.feed(crlf("after")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.had_long_line());
  BOOST_TEST(!d.too_large());
  // Nothing after the overlong line is kept: the message is refused anyway.
  BOOST_TEST(d.take().find("after") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(too_long_line_ended_by_bare_lf_then_dot_does_not_end_data) {
  data_assembler d(1000);
  d.feed(framed_line{.text = {}, .bare_lf = true, .too_long = true});
  BOOST_TEST(d.feed(crlf(".")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
}

// End to end through the line framer as the session drives it during DATA: an
// overlong line ended by a bare LF, then ".\r\n", must not end DATA, or the bytes
// after it would run as commands (SMTP smuggling with an overlong line in front).
BOOST_AUTO_TEST_CASE(framed_overlong_line_ended_by_bare_lf_then_dot_does_not_end_data) {
  const std::string input =
      std::string(100, 'x') + "\n.\r\nMAIL FROM:<spoof@example.com>\r\n.\r\n";
  for (std::size_t chunk : {input.size(), std::size_t{16}}) {
    line_framer f(50);
    data_assembler d(100000);
    std::string_view rest = input;
    std::size_t consumed_lines = 0;
    bool done = false;
    while (!rest.empty() && !done) {
      const auto n = std::min(chunk, rest.size());
      auto space = f.prepare(n);
      std::memcpy(space.data(), rest.data(), n);
      f.commit(n);
      rest.remove_prefix(n);
      while (auto l = f.next()) {
        ++consumed_lines;
        if (d.feed(*l) == status::done) {
          done = true;
          break;
        }
      }
    }
    BOOST_TEST_CONTEXT("reads of " << chunk << " bytes") {
      BOOST_TEST(done);
      // Ended by the final ".\r\n" (line 4), not the one after the bare LF (line 2).
      BOOST_TEST(consumed_lines == 4u);
      BOOST_TEST(rest.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(expected_size_larger_than_max_does_not_change_the_limit) {
  data_assembler d(10, 1'000'000'000);
  d.feed(crlf("0123456789"));
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.too_large());
}

BOOST_AUTO_TEST_SUITE_END()

namespace {

// What the session ends with after DATA: the stored message, the flags, and the
// bytes left in the framer for the next command.
struct assembled {
  bool done = false;
  std::string data;
  bool too_large = false, long_line = false, bare_lf = false;
  std::uint64_t size = 0;
  std::size_t left = 0;
  bool operator==(const assembled&) const = default;
};

std::ostream& operator<<(std::ostream& os, const assembled& a) {
  return os << "done=" << a.done << " size=" << a.size << " left=" << a.left << " data=" << a.data.size();
}

// The input in reads of the given sizes, through the session's loop, with or
// without the plain-lines fast path.
assembled assemble(std::string_view input, const std::vector<std::size_t>& reads, bool fast) {
  line_framer framer(40);
  data_assembler data(1000);
  assembled a;
  std::size_t at = 0, k = 0;
  while (!a.done && at < input.size()) {
    const std::size_t n = std::min(reads[k++ % reads.size()], input.size() - at);
    auto space = framer.prepare(n);
    std::memcpy(space.data(), input.data() + at, n);
    framer.commit(n);
    at += n;
    for (;;) {
      if (fast) data.feed_plain_lines(framer.take_plain_lines());
      auto line = framer.next();
      if (!line) break;
      if (data.feed(*line) == status::done) {
        a.done = true;
        break;
      }
    }
  }
  a.too_large = data.too_large();
  a.long_line = data.had_long_line();
  a.bare_lf = data.had_bare_lf();
  a.size = data.size();
  a.data = data.take();
  a.left = framer.buffered() + (input.size() - at);
  return a;
}

}  // namespace

BOOST_AUTO_TEST_CASE(the_plain_lines_fast_path_assembles_exactly_what_line_by_line_does) {
  // Pieces with every kind of line: plain, stuffed, bare LF, lone CR, overlong,
  // an end of data (maybe after a bare LF: not an end), and a command after it.
  const std::string pieces[] = {"plain line\r\n", "..stuffed\r\n", ".x unstuffed\r\n", "bare\n", "cr\rinside\r\n",
                                std::string(45, 'L') + "\r\n", std::string(39, 'e') + "\r\n", "\r\n", "\n",
                                ".\r\n", "QUIT\r\n", "x\r", "\n.\r\n", "nul\0byte\r\n", "\r.\r", "a\r\r\n"};
  unsigned seed = 2026;
  auto next = [&] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  for (int round = 0; round < 4000; ++round) {
    std::string input;
    const unsigned n = next() % 30;
    for (unsigned i = 0; i < n; ++i) input += pieces[next() % std::size(pieces)];
    std::vector<std::size_t> reads;
    for (int i = 0; i < 5; ++i) reads.push_back(1 + next() % 64);
    BOOST_TEST_REQUIRE(assemble(input, reads, true) == assemble(input, reads, false), input);
  }
}

BOOST_AUTO_TEST_SUITE(bare_cr_and_nul)

// Issue 10, defect 4: a bare CR (and "\r.\r", "\r\n.\r") or a NUL went
// downstream unchanged.
BOOST_AUTO_TEST_CASE(bare_cr_becomes_a_line_end_and_the_line_it_makes_is_stuffed) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf("a\rb")) == status::more);
  BOOST_TEST(d.feed(crlf("x\r.\r")) == status::more);  // "\r.\r": no end of data, and none downstream
  BOOST_TEST(d.feed(crlf(".\r")) == status::more);      // after CRLF, ".\r" is not "." either
  BOOST_TEST(d.feed(crlf("..\r.y")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "a\r\nb\r\nx\r\n..\r\n\r\n\r\n\r\n..\r\n..y\r\n");
  BOOST_TEST(d.had_bare_cr());
  BOOST_TEST(!d.had_nul());
  BOOST_TEST(!d.refused_bare());
}

// Found by tests/fuzz/fuzz_data_assembler: each bare CR stores one byte more
// than the client sent, so the limit counts what is stored.
BOOST_AUTO_TEST_CASE(normalized_bytes_count_toward_the_size_limit) {
  data_assembler d(15);
  BOOST_TEST(d.feed(crlf("a\r.b\r.c")) == status::more);  // 7 bytes + 2 x (LF + dot) + CRLF = 13: fits
  BOOST_TEST(!d.too_large());
  BOOST_TEST(d.take().size() == 13u);  // "a" CRLF "..b" CRLF "..c" CRLF
  data_assembler e(15);
  BOOST_TEST(e.feed(crlf("a\r.b\r.c\r")) == status::more);  // 8 + 6 + 2 = 16: past it
  BOOST_TEST(e.feed(crlf(".")) == status::done);
  BOOST_TEST(e.too_large());
}

BOOST_AUTO_TEST_CASE(nul_bytes_are_dropped) {
  data_assembler d(1000);
  BOOST_TEST(d.feed(crlf(std::string_view("a\0b\0", 4))) == status::more);
  BOOST_TEST(d.feed(crlf(std::string_view("\0", 1))) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(d.take() == "ab\r\n\r\n");
  BOOST_TEST(d.had_nul());
}

BOOST_AUTO_TEST_CASE(reject_mode_stores_nothing_after_a_bare_line_end_or_nul) {
  for (const framed_line& l : {crlf("a\rb"), bare("a"), crlf(std::string_view("a\0", 2))}) {
    data_assembler d(1000, 0, bare_newline_mode::reject);
    BOOST_TEST(d.feed(crlf("ok")) == status::more);
    BOOST_TEST(!d.refused_bare());
    BOOST_TEST(d.feed(l) == status::more);
    BOOST_TEST(d.feed(crlf("more")) == status::more);
    BOOST_TEST(d.feed(crlf(".")) == status::done);  // read to the end: the session answers then
    BOOST_TEST(d.refused_bare());
    BOOST_TEST(d.take() == "ok\r\n");
  }
}

BOOST_AUTO_TEST_CASE(a_clean_message_is_not_refused_in_reject_mode) {
  data_assembler d(1000, 0, bare_newline_mode::reject);
  BOOST_TEST(d.feed(crlf("..a")) == status::more);
  BOOST_TEST(d.feed(crlf(".")) == status::done);
  BOOST_TEST(!d.refused_bare());
  BOOST_TEST(d.take() == "..a\r\n");
}

// Whatever bytes a client sends, what is stored is canonical wire form: every
// CR is followed by LF and every LF preceded by CR, no NUL, no line that reads
// as end of data, and every line starting with '.' stuffed.
BOOST_AUTO_TEST_CASE(stored_message_is_always_clean_wire_form) {
  const std::string bytes[] = {"\r", "\n", "\r\n", ".", "..", std::string(1, '\0'), "a", "\r.\r", "\r\n.\r", " "};
  unsigned seed = 51764;
  auto next = [&] { return (seed = seed * 1103515245u + 12345u) >> 16; };
  for (int round = 0; round < 20000; ++round) {
    std::string input;
    const unsigned n = next() % 40;
    for (unsigned i = 0; i < n; ++i) input += bytes[next() % std::size(bytes)];
    input += "\r\n.\r\n";
    const assembled a = assemble(input, {1 + next() % 16, 1 + next() % 7}, next() % 2 == 0);
    BOOST_TEST_REQUIRE(a.done);
    const std::string& w = a.data;
    for (std::size_t i = 0; i < w.size(); ++i) {
      BOOST_TEST_REQUIRE(w[i] != '\0');
      if (w[i] == '\r') BOOST_TEST_REQUIRE((i + 1 < w.size() && w[i + 1] == '\n'), "bare CR in " << round);
      if (w[i] == '\n') BOOST_TEST_REQUIRE((i > 0 && w[i - 1] == '\r'), "bare LF in " << round);
      const bool line_start = i == 0 || w[i - 1] == '\n';
      if (line_start && w[i] == '.') BOOST_TEST_REQUIRE((i + 1 < w.size() && w[i + 1] == '.'), "unstuffed in " << round);
    }
    BOOST_TEST_REQUIRE((w.empty() || w.ends_with("\r\n")));
  }
}

BOOST_AUTO_TEST_SUITE_END()
