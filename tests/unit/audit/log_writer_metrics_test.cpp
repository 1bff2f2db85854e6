// log_writer with metrics (what `kizuna serve` gives it): the commit hook sees
// each record once it is on disk, in chain order; append and fsync durations
// are observed per request and per fsync; a chain broken by a third party counts
// an open error on the writer thread, and the appends refused after it an append
// error on the appender's thread; a closed writer's refusals are no error.
#include <boost/test/unit_test.hpp>

#include <mutex>
#include <thread>

#include "relay/metrics/recorder.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/audit/support.hpp"

using namespace kizuna;
using namespace kizuna::audit::test;

namespace {

struct metered_log {
  kizuna::test::temp_dir dir;
  std::filesystem::path path = dir.path() / "audit.jsonl";
  metrics::registry registry;
  metrics::catalogue ids = metrics::declare_catalogue(registry, "test");
  std::mutex seen_mutex;
  std::vector<std::string> seen;  // rcpt of each committed record
  metered_log() { metrics::bind_this_thread({&ids, &registry.add_shard()}); }  // the appender thread
  ~metered_log() { metrics::bind_this_thread({}); }

  std::unique_ptr<audit::log_writer> open(bool fsync) {
    audit::writer_options o{.path = path, .fsync = fsync};
    o.metrics = {&ids, &registry.add_shard()};
    o.on_committed = [this](const audit::record& r) {
      std::lock_guard lock(seen_mutex);
      seen.push_back(r.rcpt);
    };
    auto w = audit::log_writer::open(std::move(o));
    BOOST_TEST_REQUIRE(w.has_value());
    return std::move(*w);
  }
  bool scraped(const std::string& line) const { return registry.scrape().find(line + "\n") != std::string::npos; }
};

}  // namespace

BOOST_FIXTURE_TEST_CASE(committed_records_reach_the_hook_and_durations_are_observed, metered_log) {
  auto w = open(true);
  BOOST_TEST(!w->append_blocking(samples(1, 3)));  // one request, three records
  BOOST_TEST(!w->append_blocking({sample(4)}));
  w->close();
  const std::vector<std::string> expected = {"user1@example.org", "user2@example.org", "user3@example.org",
                                             "user4@example.org"};
  BOOST_TEST(seen == expected, boost::test_tools::per_element());
  BOOST_TEST(scraped("kizuna_audit_append_duration_seconds_count 2"));  // per request
  BOOST_TEST(scraped("kizuna_audit_fsync_duration_seconds_count 2"));   // one per batch here
  BOOST_TEST(scraped("kizuna_audit_errors_total{operation=\"append\"} 0"));
}

BOOST_FIXTURE_TEST_CASE(without_fsync_nothing_is_fsynced_or_observed_as_such, metered_log) {
  auto w = open(false);
  write_samples(*w, 1, 3);
  w->close();
  BOOST_TEST(seen.size() == 3u);
  BOOST_TEST(scraped("kizuna_audit_append_duration_seconds_count 3"));
  BOOST_TEST(scraped("kizuna_audit_fsync_duration_seconds_count 0"));
}

BOOST_FIXTURE_TEST_CASE(a_broken_chain_counts_errors_and_commits_nothing, metered_log) {
  auto w = open(false);
  write_samples(*w, 1, 2);
  auto lines = lines_of(path);
  lines.back().replace(lines.back().find("user2@"), 6, "user22@");  // a third party edits the last record
  write_lines(path, lines);
  BOOST_TEST(w->append_blocking({sample(3)}) == make_error_code(errc::io_failure));  // found at catch-up
  BOOST_TEST(w->append_blocking({sample(4)}) == make_error_code(errc::io_failure));  // refused at once
  w->close();
  BOOST_TEST(w->append_blocking({sample(5)}) == make_error_code(errc::shutting_down));  // not an error
  BOOST_TEST(seen.size() == 2u);
  BOOST_TEST(scraped("kizuna_audit_errors_total{operation=\"open\"} 1"));
  BOOST_TEST(scraped("kizuna_audit_errors_total{operation=\"append\"} 1"));
  BOOST_TEST(scraped("kizuna_audit_append_duration_seconds_count 2"));  // failed appends are not observed
}
