// `kizuna audit query` logic: filters (all given must match, repeated values are
// alternatives, since <= ts < until), command-line times (RFC 3339, dates, epoch
// seconds) and the fixed-width table, Japanese text included.
#include <boost/test/unit_test.hpp>

#include "relay/audit/query.hpp"
#include "relay/audit/reader.hpp"
#include "relay/audit/text_table.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna::audit;
using namespace kizuna::audit::test;
using namespace std::chrono;

namespace {

const system_clock::time_point t0 = sys_days(year{2026} / 11 / 22) + 15h;

// 20 records a minute apart: user<i>, campaigns spring/autumn, every 5th dropped by optout,
// every 7th deferred by newsletter-cap.
struct mixed_log {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "audit.jsonl";
  mixed_log() {
    auto w = open_writer(path, 3000);
    for (int i = 1; i <= 20; ++i) {
      record r = sample(i);
      r.ts = t0 + minutes(i);
      r.campaign = i % 2 ? "spring" : "autumn";
      if (i % 7 == 0) {
        r.decision = action::defer;
        r.rule = "newsletter-cap";
        r.downstream_reply.clear();
      }
      BOOST_TEST_REQUIRE(!w->append_blocking({r}));
    }
  }
  std::vector<std::uint64_t> run(const query_filter& f) const {
    std::vector<std::uint64_t> seqs;
    auto stats = scan_chain(
        path, [&](const stored_record& r) { if (f.matches(r)) seqs.push_back(r.seq); },
        [](const std::string& p) { BOOST_FAIL(p); });
    BOOST_TEST_REQUIRE(stats.has_value());
    return seqs;
  }
};

using seqs = std::vector<std::uint64_t>;

}  // namespace

BOOST_AUTO_TEST_SUITE(query)

BOOST_FIXTURE_TEST_CASE(no_filter_matches_everything, mixed_log) { BOOST_TEST(run({}).size() == 20u); }

BOOST_FIXTURE_TEST_CASE(each_filter_alone, mixed_log) {
  query_filter f;
  f.rcpts = {"user7@example.org"};
  BOOST_TEST(run(f) == seqs{7});
  f = {};
  f.decisions = {action::drop};
  BOOST_TEST(run(f) == (seqs{5, 10, 15, 20}));
  f = {};
  f.rules = {"newsletter-cap"};
  BOOST_TEST(run(f) == (seqs{7, 14}));
  f = {};
  f.campaigns = {"autumn"};
  BOOST_TEST(run(f).size() == 10u);
  f.campaigns = {"winter"};
  BOOST_TEST(run(f).empty());
}

BOOST_FIXTURE_TEST_CASE(all_filters_must_match_and_repeated_values_are_alternatives, mixed_log) {
  query_filter f;
  f.campaigns = {"spring"};
  f.decisions = {action::drop, action::defer};
  BOOST_TEST(run(f) == (seqs{5, 7, 15}));
  f.rcpts = {"user15@example.org", "user7@example.org"};
  f.rules = {"optout"};
  BOOST_TEST(run(f) == seqs{15});
}

BOOST_FIXTURE_TEST_CASE(since_is_inclusive_and_until_exclusive, mixed_log) {
  query_filter f;
  f.since = t0 + minutes(3);
  f.until = t0 + minutes(6);
  BOOST_TEST(run(f) == (seqs{3, 4, 5}));
  f.until.reset();
  BOOST_TEST(run(f).size() == 18u);
}

BOOST_AUTO_TEST_CASE(command_line_times) {
  const auto expect = sys_days(year{2026} / 11 / 22) + 15h + 4min + 5s;
  auto is = [](std::string_view text, system_clock::time_point want) {
    auto t = parse_time_argument(text);
    BOOST_TEST_REQUIRE(t.has_value(), std::string(text) + ": " + (t ? "" : t.error()));
    BOOST_TEST((*t == want), text);
  };
  is("2026-11-22T15:04:05Z", expect);
  is("2026-11-22t15:04:05z", expect);
  is("2026-11-22 15:04:05Z", expect);
  is("2026-11-23T00:04:05+09:00", expect);
  is("2026-11-22T10:04:05-05:00", expect);
  is("2026-11-22T15:04:05.250Z", expect + 250ms);
  is("2026-11-22T15:04Z", expect - 5s);
  is("2026-11-22", sys_days(year{2026} / 11 / 22));
  is("1763823845", system_clock::time_point(seconds(1763823845)));
  is("0", system_clock::time_point{});
  // Beyond what nanosecond ticks hold (2262): saturated, not overflowed.
  is("2999-01-01T00:00:00+09:00", system_clock::time_point::max());
  is("9999-12-31", system_clock::time_point::max());
  is("253402300799", system_clock::time_point::max());
  is("1000-01-01T00:00:00Z", system_clock::time_point::min());
  for (std::string_view bad : {"", "yesterday", "2026-11-22T15:04:05", "2026-02-30", "2026-11-22T15:04:05+0900",
                               "2026-11-22T24:00:00Z", "-5", "1.5", "2026-11-22T15:04:05Z junk"}) {
    auto t = parse_time_argument(bad);
    BOOST_TEST(!t.has_value(), bad);
  }
  BOOST_TEST(parse_time_argument("2026-11-22T15:04:05").error().find("needs Z or an offset") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(display_width_counts_wide_characters_twice) {
  BOOST_TEST(display_width("spring") == 6u);
  BOOST_TEST(display_width("配信停止率") == 10u);
  BOOST_TEST(display_width("ｶﾀｶﾅ") == 4u);  // halfwidth katakana
  BOOST_TEST(fit("abc", 5) == "abc  ");
  BOOST_TEST(fit("abc", 5, true) == "  abc");
  BOOST_TEST(fit("abcdefgh", 5) == "abcd…");
  BOOST_TEST(fit("春のキャンペーン", 7) == "春のキ…");  // 6 cells + "…"
  BOOST_TEST(fit("春のキャンペーン", 8) == "春のキ… ");  // a wide character never straddles the edge
  BOOST_TEST(fit("a\nb", 3) == "a b");
  BOOST_TEST(fit("abcdefgh", 5, false, false) == "abcd…");
  BOOST_TEST(fit("ab", 5, false, false) == "ab");
}

BOOST_AUTO_TEST_CASE(table_rows_have_fixed_columns) {
  stored_record r;
  r.ts_text = "2026-11-22T15:04:05.123Z";
  r.decision = action::defer;
  r.rcpt = "a@example.org";
  r.campaign = "春のキャンペーン";
  r.category = "newsletter";
  r.rule = "newsletter-cap";
  const std::string header = table_header();
  const std::string row = table_row(r);
  BOOST_TEST(header.starts_with("TS                        DECISION     RCPT "));
  BOOST_TEST(header.ends_with("DOWNSTREAM REPLY\n"));
  // Every column starts at the same cell in the header and the row.
  const auto reply_at = display_width(header.substr(0, header.find("DOWNSTREAM")));
  BOOST_TEST(row.ends_with("  -\n"));
  BOOST_TEST(display_width(row.substr(0, row.size() - 2)) == reply_at);
  BOOST_TEST(row.find("春のキャンペーン") != std::string::npos);

  r.downstream_reply = "250 2.0.0 Ok: queued as " + std::string(100, 'X');
  const std::string long_row = table_row(r);
  BOOST_TEST(long_row.ends_with("…\n"));
  BOOST_TEST(display_width(long_row) == reply_at + 40 + 1);  // the reply column is 40 cells, then "\n"
  r.rcpt = std::string(40, 'r') + "@example.org";
  BOOST_TEST(display_width(table_row(r)) == display_width(long_row));
}

BOOST_AUTO_TEST_SUITE_END()
