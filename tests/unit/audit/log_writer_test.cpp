// log_writer: the chain continues across restarts and rotations, concurrent
// appenders get a gap-free chain — also from several writers and processes on one
// file, whichever rotates — a truncated or invalid tail stops the writer from
// opening (unless asked to repair) or from appending when a third party left it
// between two batches, close() writes what waits behind a group commit delay, and a
// closed writer refuses records.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <thread>

#include "relay/audit/chain_files.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/audit/verifier.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna::audit;
using namespace kizuna::audit::test;

namespace {

struct log_dir {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "var" / "audit" / "audit.jsonl";
};

std::string field(const std::string& line, const char* key) {
  const auto v = boost::json::parse(line).as_object().at(key);
  return v.is_string() ? std::string(v.as_string()) : std::to_string(v.as_int64());
}

}  // namespace

BOOST_AUTO_TEST_SUITE(writer)

BOOST_FIXTURE_TEST_CASE(the_first_record_starts_the_chain, log_dir) {
  auto w = open_writer(path);
  BOOST_TEST(w->position().seq == 0u);
  record r = sample(1);
  r.instance.clear();
  BOOST_TEST(!w->append_blocking({r}));
  w->close();
  const auto lines = lines_of(path);
  BOOST_TEST_REQUIRE(lines.size() == 1u);
  BOOST_TEST(field(lines[0], "seq") == "1");
  BOOST_TEST(field(lines[0], "prev") == std::string(genesis_hash));
  BOOST_TEST(!field(lines[0], "instance").empty());  // the host name
  BOOST_TEST(field(lines[0], "ts").size() == 24u);   // stamped when written
  BOOST_TEST(field(lines[0], "hash") == w->position().hash);
}

BOOST_FIXTURE_TEST_CASE(files_and_directories_are_not_world_readable, log_dir) {
  open_writer(path)->close();
  struct stat st {};
  BOOST_TEST_REQUIRE(::stat(path.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0137) == 0u);  // at most 0640
  BOOST_TEST_REQUIRE(::stat(path.parent_path().c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0027) == 0u);  // at most 0750
}

BOOST_FIXTURE_TEST_CASE(the_chain_continues_across_a_restart, log_dir) {
  write_samples(*open_writer(path), 1, 10);
  auto w = open_writer(path);
  BOOST_TEST(w->position().seq == 10u);
  write_samples(*w, 11, 10);
  w->close();
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 20u);
  BOOST_TEST(r.files == 1u);
}

BOOST_FIXTURE_TEST_CASE(two_writers_on_one_file_interleave_into_one_gap_free_chain, log_dir) {
  auto a = open_writer(path);
  auto b = open_writer(path);  // its own fd: the flock serializes the two like two processes
  for (int i = 0; i < 20; ++i) {
    BOOST_TEST_REQUIRE(!a->append_blocking(samples(i * 6, 3)));
    BOOST_TEST_REQUIRE(!b->append_blocking(samples(i * 6 + 3, 3)));
  }
  BOOST_TEST(b->position().seq == 120u);
  BOOST_TEST(a->position().seq == 117u);  // what a last saw: its own commit

  // And at the same time, from two threads.
  std::atomic<int> failures = 0;
  std::vector<std::thread> pool;
  for (auto* w : {a.get(), b.get()})
    pool.emplace_back([&, w, base = w == a.get() ? 1000 : 2000] {
      for (int i = 0; i < 100; ++i)
        if (w->append_blocking(samples(base + i * 2, 2))) ++failures;
    });
  for (auto& th : pool) th.join();
  BOOST_TEST(failures.load() == 0);
  a->close();
  b->close();

  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 520u);
  BOOST_TEST(r.last_seq == 520u);
  std::set<std::string> recipients;
  for (const auto& line : lines_of(path)) recipients.insert(field(line, "rcpt"));
  BOOST_TEST(recipients.size() == 520u);
}

BOOST_FIXTURE_TEST_CASE(a_forked_process_and_this_one_append_to_one_chain, log_dir) {
  // Fork before any writer thread exists: the child starts from a single-threaded copy.
  int ready[2];
  BOOST_TEST_REQUIRE(::pipe(ready) == 0);
  const pid_t child = ::fork();
  BOOST_TEST_REQUIRE(child >= 0);
  if (child == 0) {
    // No Boost.Test in here: report through the exit status, never return into the runner.
    ::close(ready[0]);
    auto w = log_writer::open({.path = path, .fsync = false});
    if (!w) ::_exit(2);
    const char go = 'x';
    if (::write(ready[1], &go, 1) != 1) ::_exit(3);
    int failed = 0;
    for (int i = 0; i < 200; ++i)
      if ((*w)->append_blocking({sample(10000 + i)})) ++failed;
    (*w)->close();
    ::_exit(failed == 0 ? 0 : 1);
  }
  ::close(ready[1]);
  auto w = open_writer(path);
  char go = 0;
  BOOST_TEST(::read(ready[0], &go, 1) == 1);  // the child has its writer: start together
  ::close(ready[0]);
  int failed = 0;
  for (int i = 0; i < 200; ++i)
    if (w->append_blocking({sample(i)})) ++failed;
  w->close();
  int status = 0;
  BOOST_TEST_REQUIRE(::waitpid(child, &status, 0) == child);
  BOOST_TEST(WIFEXITED(status));
  BOOST_TEST(WEXITSTATUS(status) == 0);
  BOOST_TEST(failed == 0);

  const auto r = verify_chain(path);  // seq goes up by exactly 1 and every prev links
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 400u);
  BOOST_TEST(r.last_seq == 400u);
  std::set<std::string> recipients;
  for (const auto& line : lines_of(path)) recipients.insert(field(line, "rcpt"));
  BOOST_TEST(recipients.size() == 400u);
}

BOOST_FIXTURE_TEST_CASE(one_writer_rotates_while_the_other_keeps_appending, log_dir) {
  auto a = open_writer(path);
  auto b = open_writer(path);
  std::atomic<int> failures = 0;
  std::thread appender([&] {
    for (int i = 0; i < 300; ++i)
      if (b->append_blocking({sample(i)})) ++failures;
  });
  int rotations_failed = 0;
  for (int r = 0; r < 10; ++r) {
    if (a->append_blocking({sample(1000 + r)})) ++rotations_failed;
    if (a->rotate()) ++rotations_failed;
  }
  appender.join();
  BOOST_TEST(failures.load() == 0);
  BOOST_TEST(rotations_failed == 0);
  // b follows the last rotation too: its next record starts the new live file.
  BOOST_TEST(!a->rotate());
  BOOST_TEST(!b->append_blocking({sample(9999)}));
  a->close();
  b->close();
  const auto live = lines_of(path);
  BOOST_TEST_REQUIRE(live.size() == 1u);
  BOOST_TEST(field(live[0], "rcpt") == "user9999@example.org");

  const auto rotated = rotated_files(path).value();
  BOOST_TEST(rotated.size() >= 10u);
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 311u);
  BOOST_TEST(r.files == rotated.size() + 1);
}

BOOST_FIXTURE_TEST_CASE(two_writers_rotating_by_size_keep_one_chain, log_dir) {
  auto a = open_writer(path, 2000);
  auto b = open_writer(path, 2000);
  std::atomic<int> failures = 0;
  std::vector<std::thread> pool;
  for (auto* w : {a.get(), b.get()})
    pool.emplace_back([&, w, base = w == a.get() ? 0 : 1000] {
      for (int i = 0; i < 100; ++i)
        if (w->append_blocking({sample(base + i)})) ++failures;
    });
  for (auto& th : pool) th.join();
  BOOST_TEST(failures.load() == 0);
  a->close();
  b->close();
  const auto rotated = rotated_files(path).value();
  BOOST_TEST(rotated.size() >= 5u);
  for (const auto& f : rotated) BOOST_TEST(std::filesystem::file_size(f) >= 2000u);  // each rotated once, when full
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 200u);
}

BOOST_FIXTURE_TEST_CASE(a_tail_tampered_between_two_batches_stops_the_writer, log_dir) {
  auto w = open_writer(path);
  write_samples(*w, 1, 5);
  auto lines = lines_of(path);
  lines.back().replace(lines.back().find("user5@"), 6, "user55@");  // a third party edits the last record
  write_lines(path, lines);
  const std::string tampered = slurp(path);
  BOOST_TEST(w->append_blocking({sample(6)}) == make_error_code(kizuna::errc::io_failure));
  BOOST_TEST(w->append_blocking({sample(7)}) == make_error_code(kizuna::errc::io_failure));  // and stays stopped
  BOOST_TEST(w->rotate() == make_error_code(kizuna::errc::io_failure));
  w->close();
  BOOST_TEST(slurp(path) == tampered);  // nothing written after the bad line
  BOOST_TEST(rotated_files(path).value().empty());
}

BOOST_FIXTURE_TEST_CASE(records_cut_from_the_end_between_two_batches_stop_the_writer, log_dir) {
  auto w = open_writer(path);
  write_samples(*w, 1, 5);
  auto lines = lines_of(path);
  lines.resize(3);  // valid on its own: only the writer that wrote seq 5 can tell
  write_lines(path, lines);
  BOOST_TEST(w->append_blocking({sample(6)}) == make_error_code(kizuna::errc::io_failure));
  w->close();
  BOOST_TEST(lines_of(path) == lines, boost::test_tools::per_element());
}

BOOST_FIXTURE_TEST_CASE(a_partial_line_left_by_another_writer_is_refused_or_repaired, log_dir) {
  auto strict = open_writer(path);
  auto repairing = log_writer::open({.path = path, .fsync = false, .repair_truncated_tail = true});
  BOOST_TEST_REQUIRE(repairing.has_value());
  write_samples(*strict, 1, 3);
  const std::string whole = slurp(path);
  spit(path, whole + R"({"ts":"2026-11-22T15:04:05.123Z","seq":4,"instan)");  // a writer killed mid-write
  BOOST_TEST(strict->append_blocking({sample(4)}) == make_error_code(kizuna::errc::io_failure));
  BOOST_TEST(!(*repairing)->append_blocking({sample(4)}));  // cuts the partial line off, continues at seq 4
  (*repairing)->close();
  strict->close();
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 4u);
}

BOOST_FIXTURE_TEST_CASE(a_truncated_tail_stops_the_writer_unless_repair_is_asked, log_dir) {
  write_samples(*open_writer(path), 1, 5);
  const std::string whole = slurp(path);
  spit(path, whole + R"({"ts":"2026-11-22T15:04:05.123Z","seq":6,"instan)");
  auto refused = log_writer::open({.path = path, .fsync = false});
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(contains(refused.error(), path.string() + ":6: truncated record (no newline at end of file)"),
             refused.error());
  BOOST_TEST(slurp(path).size() > whole.size());  // nothing was cut silently

  auto repaired = log_writer::open({.path = path, .fsync = false, .repair_truncated_tail = true});
  BOOST_TEST_REQUIRE(repaired.has_value(), (repaired ? "" : repaired.error()));
  BOOST_TEST((*repaired)->position().seq == 5u);
  write_samples(**repaired, 6, 3);
  (*repaired)->close();
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 8u);
}

BOOST_FIXTURE_TEST_CASE(an_invalid_last_record_stops_the_writer, log_dir) {
  write_samples(*open_writer(path), 1, 5);
  auto lines = lines_of(path);
  lines.back().replace(lines.back().find("user5@"), 6, "user6@");
  write_lines(path, lines);
  auto refused = log_writer::open({.path = path, .fsync = false, .repair_truncated_tail = true});
  BOOST_TEST_REQUIRE(!refused.has_value());
  BOOST_TEST(contains(refused.error(), path.string() + ":5: last record is not valid: record edited (hash mismatch)"),
             refused.error());
}

BOOST_FIXTURE_TEST_CASE(rotation_by_size_keeps_one_chain_over_many_files, log_dir) {
  auto w = open_writer(path, 2000);
  write_samples(*w, 1, 60);
  w->close();
  const auto rotated = rotated_files(path);
  BOOST_TEST_REQUIRE(rotated.has_value());
  BOOST_TEST_REQUIRE(rotated->size() >= 3u);
  std::string prev_last_hash;
  for (const auto& f : *rotated) {
    BOOST_TEST(std::filesystem::file_size(f) >= 2000u);
    const auto lines = lines_of(f);
    // Named for the seq of its last record; its first record links to the previous file.
    BOOST_TEST(f.string().ends_with("." + field(lines.back(), "seq")));
    if (!prev_last_hash.empty()) BOOST_TEST(field(lines.front(), "prev") == prev_last_hash);
    prev_last_hash = field(lines.back(), "hash");
  }
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 60u);
  BOOST_TEST(r.files == rotated->size() + 1);
}

BOOST_FIXTURE_TEST_CASE(a_rotated_file_removed_from_the_middle_is_found, log_dir) {
  auto w = open_writer(path, 2000);
  write_samples(*w, 1, 60);
  w->close();
  const auto rotated = rotated_files(path).value();
  BOOST_TEST_REQUIRE(rotated.size() >= 3u);
  std::filesystem::remove(rotated[1]);
  const auto r = verify_chain(path);
  BOOST_TEST(r.problem.starts_with(rotated[2].string() + ":1: record missing or reordered (seq "), r.problem);
  BOOST_TEST(contains(r.problem, "a rotated file missing"), r.problem);
}

BOOST_FIXTURE_TEST_CASE(rotate_on_demand_and_restart_with_an_empty_live_file, log_dir) {
  auto w = open_writer(path);
  write_samples(*w, 1, 10);
  BOOST_TEST(!w->rotate());
  BOOST_TEST(!w->rotate());  // nothing new: no second, empty rotated file
  w->close();
  BOOST_TEST(rotated_files(path).value().size() == 1u);
  BOOST_TEST(std::filesystem::file_size(path) == 0u);

  auto again = open_writer(path);  // recovers from the rotated file
  BOOST_TEST(again->position().seq == 10u);
  write_samples(*again, 11, 5);
  again->close();
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 15u);
  BOOST_TEST(r.files == 2u);
}

BOOST_FIXTURE_TEST_CASE(concurrent_appends_from_four_threads_make_one_gap_free_chain, log_dir) {
  auto w = open_writer(path, 64 * 1024);  // rotations happen under load too
  constexpr int threads = 4, coroutines = 50, per_coroutine = 10;
  std::atomic<int> failures = 0;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      boost::asio::io_context io;
      for (int c = 0; c < coroutines; ++c)
        boost::asio::co_spawn(
            io,
            [&, t, c]() -> boost::asio::awaitable<void> {
              for (int i = 0; i < per_coroutine; ++i) {
                const int n = ((t * coroutines + c) * per_coroutine) + i;
                const record one = sample(n);
                if (co_await w->append(co_await boost::asio::this_coro::executor, {one})) ++failures;
              }
            },
            boost::asio::detached);
      io.run();
    });
  for (auto& th : pool) th.join();
  BOOST_TEST(failures.load() == 0);
  w->close();

  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 2000u);
  std::set<std::string> recipients;
  const auto files = chain_files(path).value();
  for (const auto& f : files)
    for (const auto& line : lines_of(f)) recipients.insert(field(line, "rcpt"));
  BOOST_TEST(recipients.size() == 2000u);
}

BOOST_FIXTURE_TEST_CASE(group_commit_with_fsync_always, log_dir) {
  auto opened = log_writer::open({.path = path, .fsync = true});
  BOOST_TEST_REQUIRE(opened.has_value());
  auto& w = **opened;
  std::atomic<int> failures = 0;  // Boost.Test assertions are not thread-safe: count, check after
  std::vector<std::thread> pool;
  for (int t = 0; t < 4; ++t)
    pool.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i)
        if (w.append_blocking(samples(t * 100 + i * 3, 3))) ++failures;
    });
  for (auto& th : pool) th.join();
  BOOST_TEST(failures.load() == 0);
  w.close();
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 120u);
}

BOOST_FIXTURE_TEST_CASE(close_writes_records_queued_behind_a_group_commit_delay, log_dir) {
  auto opened = log_writer::open({.path = path, .fsync = true, .max_commit_delay = std::chrono::seconds(60)});
  BOOST_TEST_REQUIRE(opened.has_value());
  auto& w = **opened;
  // A batch of two: the writer now takes appenders for concurrent and delays the next commit.
  BOOST_TEST(!w.append_blocking(samples(0, 2)));
  std::atomic<int> done = 0, failures = 0;
  for (int i = 0; i < 10; ++i)
    w.async_append({sample(10 + i)}, [&](kizuna::error_code ec) {
      if (ec) ++failures;
      ++done;
    });
  w.close();  // completes every queued append, whatever the writer was waiting for
  BOOST_TEST(done.load() == 10);
  BOOST_TEST(failures.load() == 0);
  const auto r = verify_chain(path);
  BOOST_TEST(r.ok(), r.problem);
  BOOST_TEST(r.records == 12u);
}

BOOST_FIXTURE_TEST_CASE(a_closed_writer_refuses_records, log_dir) {
  auto w = open_writer(path);
  w->close();
  BOOST_TEST(w->append_blocking({sample(1)}) == make_error_code(kizuna::errc::shutting_down));
  kizuna::error_code got;
  w->async_append({sample(2)}, [&](kizuna::error_code ec) { got = ec; });
  BOOST_TEST(got == make_error_code(kizuna::errc::shutting_down));
}

BOOST_FIXTURE_TEST_CASE(hostile_field_values_still_give_valid_json_lines, log_dir) {
  auto w = open_writer(path);
  record r = sample(1);
  r.rcpt = "\"quoted\"\\@example.org\r\nX-Injected: yes";
  r.downstream_reply = std::string("550 \x01\x1f bad \xC3\x28 utf8 \xFF");
  r.persona = "山田";
  BOOST_TEST(!w->append_blocking({r}));
  w->close();
  const auto lines = lines_of(path);
  BOOST_TEST_REQUIRE(lines.size() == 1u);  // the newline in rcpt did not split the record
  BOOST_TEST(field(lines[0], "rcpt") == r.rcpt);
  BOOST_TEST(field(lines[0], "downstream_reply") == "550 \x01\x1f bad \xEF\xBF\xBD( utf8 \xEF\xBF\xBD");
  BOOST_TEST(field(lines[0], "persona") == "山田");
  BOOST_TEST(verify_chain(path).ok());
}

BOOST_AUTO_TEST_SUITE_END()
