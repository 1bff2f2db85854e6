// The reader behind `kizuna audit query/report`: every record of a chain in chain
// order (rotated files by seq, then the live file), values decoded as written
// (escapes, non-ASCII), the stored line passed through byte for byte, and lines
// that are not records reported as file:line and skipped.
#include <boost/test/unit_test.hpp>

#include "relay/audit/chain_files.hpp"
#include "relay/audit/reader.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna::audit;
using namespace kizuna::audit::test;
using namespace std::chrono_literals;

namespace {

struct log_dir {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "audit.jsonl";
};

struct collected {
  std::vector<std::string> lines;
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> problems;
  std::expected<scan_stats, std::string> run(const std::filesystem::path& live) {
    return scan_chain(
        live,
        [this](const stored_record& r) {
          lines.emplace_back(r.line);
          seqs.push_back(r.seq);
        },
        [this](const std::string& p) { problems.push_back(p); });
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(reader)

BOOST_FIXTURE_TEST_CASE(reads_rotated_files_then_the_live_one_in_seq_order, log_dir) {
  auto w = open_writer(path, 2000);  // rotates every few records
  write_samples(*w, 1, 40);
  w->close();
  auto rotated = rotated_files(path);
  BOOST_TEST_REQUIRE(rotated.has_value());
  BOOST_TEST_REQUIRE(rotated->size() >= 3u);

  collected c;
  auto stats = c.run(path);
  BOOST_TEST_REQUIRE(stats.has_value(), (stats ? "" : stats.error()));
  BOOST_TEST(stats->records == 40u);
  BOOST_TEST(stats->files == rotated->size() + 1);
  BOOST_TEST(stats->unreadable == 0u);
  BOOST_TEST(c.problems.empty());
  for (std::size_t i = 0; i < c.seqs.size(); ++i) BOOST_TEST(c.seqs[i] == i + 1);
  // The lines as stored, byte for byte.
  std::vector<std::string> stored;
  for (const auto& f : *rotated)
    for (auto& l : lines_of(f)) stored.push_back(l);
  for (auto& l : lines_of(path)) stored.push_back(l);
  BOOST_TEST(c.lines == stored, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(values_are_decoded_as_written, log_dir) {
  auto w = open_writer(path);
  record r = sample(1);
  r.ts = std::chrono::sys_days(std::chrono::year{2026} / 11 / 22) + 15h + 4min + 5s + 123ms;
  r.campaign = "春のキャンペーン";
  r.persona = "山田 \"太郎\"";
  r.downstream_reply = "250 2.0.0 Ok\tqueued\nas \\x";
  r.decision = action::release;
  BOOST_TEST(!w->append_blocking({r}));
  w->close();

  stored_record got;
  scan_chain(path, [&](const stored_record& s) { got = s; }, [](const std::string&) {});
  BOOST_TEST(got.ts_text == "2026-11-22T15:04:05.123Z");
  BOOST_TEST((got.ts == r.ts));
  BOOST_TEST(got.seq == 1u);
  BOOST_TEST(got.instance == "mx1");
  BOOST_TEST(got.message_id == r.message_id);
  BOOST_TEST(got.campaign == "春のキャンペーン");
  BOOST_TEST(got.category == "newsletter");
  BOOST_TEST(got.rcpt == "user1@example.org");
  BOOST_TEST((got.decision == action::release));
  BOOST_TEST(got.rule == "");
  BOOST_TEST(got.policy_version == "p1");
  BOOST_TEST(got.persona == "山田 \"太郎\"");
  BOOST_TEST(got.downstream_reply == "250 2.0.0 Ok\tqueued\nas \\x");
  BOOST_TEST(is_delivery(got));
}

BOOST_FIXTURE_TEST_CASE(lines_that_are_not_records_are_reported_and_skipped, log_dir) {
  auto w = open_writer(path);
  write_samples(*w, 1, 5);
  w->close();
  auto lines = lines_of(path);
  lines[1] = "{\"ts\":\"2026-11-22T15:04:05.123Z\"";           // cut short
  lines[2].replace(lines[2].find("\"relay\""), 7, "\"sent\"");  // unknown decision
  lines.insert(lines.begin() + 3, "");
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  text += lines[0].substr(0, 40);  // a last line without its newline
  spit(path, text);

  collected c;
  auto stats = c.run(path);
  BOOST_TEST_REQUIRE(stats.has_value());
  BOOST_TEST(stats->records == 3u);
  BOOST_TEST(stats->unreadable == 4u);
  BOOST_TEST_REQUIRE(c.problems.size() == 4u);
  const std::string p = path.string();
  BOOST_TEST(c.problems[0].starts_with(p + ":2: malformed record"), c.problems[0]);
  BOOST_TEST(c.problems[1] == p + ":3: unknown decision \"sent\"");
  BOOST_TEST(c.problems[2] == p + ":4: empty line");
  BOOST_TEST(c.problems[3] == p + ":7: truncated record (no newline at end of file)");
  BOOST_TEST((c.seqs == std::vector<std::uint64_t>{1, 4, 5}));
}

BOOST_AUTO_TEST_CASE(a_line_must_carry_every_field) {
  stored_record r;
  auto bad = parse_record(R"({"ts":"2026-11-22T15:04:05.123Z","seq":1})", r);
  BOOST_TEST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error() == "field \"instance\" missing");
  BOOST_TEST(!parse_record("[1,2]", r).has_value());
  BOOST_TEST(!parse_record("{} trailing", r).has_value());
}

BOOST_AUTO_TEST_CASE(record_timestamps_are_checked) {
  BOOST_TEST(parse_record_timestamp("2026-11-22T15:04:05.123Z").has_value());
  BOOST_TEST(!parse_record_timestamp("2026-02-30T15:04:05.123Z").has_value());
  BOOST_TEST(!parse_record_timestamp("2026-11-22T25:04:05.123Z").has_value());
  BOOST_TEST(!parse_record_timestamp("2026-11-22 15:04:05.123Z").has_value());
  BOOST_TEST(!parse_record_timestamp("2026-11-22T15:04:05Z").has_value());
}

BOOST_AUTO_TEST_CASE(deliveries_are_relays_and_releases_with_a_2xx_reply) {
  stored_record r;
  r.decision = action::relay;
  r.downstream_reply = "250 2.0.0 Ok";
  BOOST_TEST(is_delivery(r));
  r.downstream_reply = "451 4.3.0 try later";
  BOOST_TEST(!is_delivery(r));
  r.downstream_reply = "";
  BOOST_TEST(!is_delivery(r));
  r.decision = action::release;
  r.downstream_reply = "250 ok";
  BOOST_TEST(is_delivery(r));
  r.decision = action::drop;
  BOOST_TEST(!is_delivery(r));
}

BOOST_FIXTURE_TEST_CASE(no_log_at_all_is_an_error, log_dir) {
  collected c;
  auto stats = c.run(path);
  BOOST_TEST_REQUIRE(!stats.has_value());
  BOOST_TEST(stats.error() == "no audit log at " + path.string());
}

BOOST_AUTO_TEST_SUITE_END()
