// verify(): an intact chain passes; an edited, deleted, swapped or truncated
// record is reported at its file:line, and only the first problem is reported.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "relay/audit/chain.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/audit/verifier.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna::audit;
using namespace kizuna::audit::test;

namespace {

struct chain_of_100 {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "audit.jsonl";
  std::string last_hash;
  chain_of_100() {
    auto w = open_writer(path);
    write_samples(*w, 1, 100);
    last_hash = w->position().hash;
  }
  std::string where(int line) const { return path.string() + ":" + std::to_string(line) + ": "; }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(verifier)

BOOST_FIXTURE_TEST_CASE(an_intact_chain_verifies, chain_of_100) {
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 100u);
  BOOST_TEST(r.files == 1u);
  BOOST_TEST(r.first_seq == 1u);
  BOOST_TEST(r.last_seq == 100u);
  BOOST_TEST(r.last_hash == last_hash);
}

BOOST_FIXTURE_TEST_CASE(one_character_changed_in_rcpt_is_found_at_its_line, chain_of_100) {
  auto lines = lines_of(path);
  auto& l = lines[36];
  l.replace(l.find("user37@"), 7, "user38@");
  write_lines(path, lines);
  const auto r = verify_chain(path);
  BOOST_TEST(r.problem == where(37) + "record edited (hash mismatch)");
  BOOST_TEST(r.records == 36u);
}

BOOST_FIXTURE_TEST_CASE(an_edited_record_with_a_recomputed_hash_breaks_the_next_link, chain_of_100) {
  auto lines = lines_of(path);
  auto parsed = parse_line(lines[36]);
  BOOST_TEST_REQUIRE(parsed.has_value());
  std::string body(parsed->body);
  body.replace(body.find("\"relay\""), 7, "\"drop\"");
  lines[36] = format_line(body, chain_hash(parsed->prev, body));
  lines[36].pop_back();
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem ==
             where(38) + "prev does not match the previous record's hash (record edited, missing or reordered)");
}

BOOST_FIXTURE_TEST_CASE(a_deleted_record_is_found, chain_of_100) {
  auto lines = lines_of(path);
  lines.erase(lines.begin() + 49);
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem == where(50) + "record missing or reordered (seq 51, expected 50)");
}

BOOST_FIXTURE_TEST_CASE(two_swapped_records_are_found, chain_of_100) {
  auto lines = lines_of(path);
  std::swap(lines[9], lines[10]);
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem == where(10) + "record missing or reordered (seq 11, expected 10)");
}

BOOST_FIXTURE_TEST_CASE(a_truncated_last_line_is_found, chain_of_100) {
  std::string text = slurp(path);
  text.resize(text.size() - 30);
  spit(path, text);
  const auto r = verify_chain(path);
  BOOST_TEST(r.problem == where(100) + "truncated record (no newline at end of file)");
  BOOST_TEST(r.records == 99u);
}

BOOST_FIXTURE_TEST_CASE(a_blank_line_is_a_problem, chain_of_100) {
  auto lines = lines_of(path);
  lines.insert(lines.begin() + 5, "");
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem == where(6) + "empty line");
}

BOOST_FIXTURE_TEST_CASE(a_missing_start_needs_partial, chain_of_100) {
  auto lines = lines_of(path);
  lines.erase(lines.begin(), lines.begin() + 3);
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem.starts_with(where(1) + "chain does not start at seq 1 (seq 4)"));
  const auto r = verify_chain(path, {.require_genesis = false});
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.first_seq == 4u);
  BOOST_TEST(r.records == 97u);
}

BOOST_FIXTURE_TEST_CASE(only_the_first_problem_is_reported, chain_of_100) {
  auto lines = lines_of(path);
  lines.erase(lines.begin() + 79);
  lines[19].replace(lines[19].find("user20@"), 7, "userXX@");
  write_lines(path, lines);
  BOOST_TEST(verify_chain(path).problem == where(20) + "record edited (hash mismatch)");
}

BOOST_AUTO_TEST_CASE(no_log_at_all_is_a_problem) {
  kizuna::test::temp_dir dir;
  const auto r = verify_chain(dir.path() / "audit.jsonl");
  BOOST_TEST(r.problem == "no audit log at " + (dir.path() / "audit.jsonl").string());
}

BOOST_AUTO_TEST_SUITE_END()
