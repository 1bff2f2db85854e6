// Misuse of the hot-path API is a programming error and aborts, in release
// builds too (relay/metrics/shard.hpp): each case runs in a forked child and
// must end with SIGABRT; the parent checks how it ended.
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdio>
#include <functional>
#include <sys/wait.h>
#include <unistd.h>

#include "relay/metrics/registry.hpp"

using namespace kizuna::metrics;

namespace {

bool aborts(const std::function<void()>& f) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    std::signal(SIGABRT, SIG_DFL);  // Boost.Test's handler would report and carry on in the child
    if (!std::freopen("/dev/null", "w", stderr)) ::_exit(2);  // the abort message is expected
    f();
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT;
}

struct fixture {
  registry r;
  dimension_id rule = r.add_dimension("rule", {"builtin:optout"}, 2);
  family_id c = r.add({"kizuna_c_total", "C.", metric_type::counter, {fixed_label("k", {"a", "b"}), bounded_label(rule)},
                       {}, gauge_source::shards});
  family_id h = r.add({"kizuna_h_seconds", "H.", metric_type::histogram, {}, {1}, gauge_source::shards});
  family_id g = r.add({"kizuna_g", "G.", metric_type::gauge, {}, {}, gauge_source::owner});
  shard& s = r.add_shard();
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(misuse, fixture)

BOOST_AUTO_TEST_CASE(correct_use_does_not_abort) {
  BOOST_TEST(!aborts([&] { s.inc(c, {1, 1}); }));
}

BOOST_AUTO_TEST_CASE(a_label_value_index_out_of_range_aborts) {
  BOOST_TEST(aborts([&] { s.inc(c, {2, 0}); }));
  BOOST_TEST(aborts([&] { s.inc(c, {0, 2}); }));  // past the dimension's capacity
}

BOOST_AUTO_TEST_CASE(an_undeclared_bounded_value_aborts) {
  BOOST_TEST(aborts([&] { (void)r.values(rule)->slot("never-loaded"); }));
}

BOOST_AUTO_TEST_CASE(wrong_label_count_or_type_aborts) {
  BOOST_TEST(aborts([&] { s.inc(c, {0}); }));
  BOOST_TEST(aborts([&] { s.inc(h, {}); }));
  BOOST_TEST(aborts([&] { s.observe(c, {0, 0}, 1.0); }));
  BOOST_TEST(aborts([&] { s.add(g, {}, 1); }));  // an owner-set gauge is not summed over shards
  BOOST_TEST(aborts([&] { s.observe(h, {}, 0.0 / 0.0); }));
}

BOOST_AUTO_TEST_CASE(declaring_after_the_first_shard_aborts) {
  BOOST_TEST(aborts([&] { r.add({"kizuna_late_total", "L.", metric_type::counter, {}, {}, gauge_source::shards}); }));
}

BOOST_AUTO_TEST_CASE(malformed_declarations_abort) {
  registry fresh;
  auto spec = [](std::string name, metric_type t) { return family_spec{name, "X.", t, {}, {}, gauge_source::shards}; };
  BOOST_TEST(aborts([&] { fresh.add(spec("kizuna_no_suffix", metric_type::counter)); }));
  BOOST_TEST(aborts([&] { fresh.add(spec("kizuna_gauge_total", metric_type::gauge)); }));
  BOOST_TEST(aborts([&] { fresh.add(spec("other_total", metric_type::counter)); }));
  BOOST_TEST(aborts([&] { fresh.add(spec("kizuna_h_seconds", metric_type::histogram)); }));  // no buckets
  BOOST_TEST(aborts([&] {
    fresh.add({"kizuna_x_total", "X.", metric_type::counter, {fixed_label("le", {"1"})}, {}, gauge_source::shards});
  }));
  BOOST_TEST(aborts([&] {
    fresh.add({"kizuna_h_seconds", "X.", metric_type::histogram, {}, {1, 1}, gauge_source::shards});
  }));
  BOOST_TEST(aborts([&] {
    fresh.add(spec("kizuna_x_total", metric_type::counter));
    fresh.add(spec("kizuna_x_total", metric_type::counter));
  }));
}

BOOST_AUTO_TEST_SUITE_END()
