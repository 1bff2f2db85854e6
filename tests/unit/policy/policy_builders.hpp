// Builders for evaluator tests: policy_set values written directly in C++ (no
// loader), UTC instants from calendar dates, and a fixture owning the data.
#pragma once

#include <chrono>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "relay/policy/evaluator.hpp"
#include "relay/policy/matchers.hpp"

namespace kizuna::policy {

// Readable BOOST_TEST failures.
inline std::ostream& boost_test_print_type(std::ostream& os, tri t) { return os << to_string(t); }
inline std::ostream& boost_test_print_type(std::ostream& os, action a) { return os << to_string(a); }

}  // namespace kizuna::policy

namespace kizuna::policy::testing {

inline std::chrono::system_clock::time_point utc(int y, unsigned mo, unsigned d, int h = 0, int mi = 0, int s = 0) {
  using namespace std::chrono;
  return sys_days{year{y} / month{mo} / day{d}} + hours{h} + minutes{mi} + seconds{s};
}

inline long long epoch(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
}

template <class Kind>
matcher m(Kind kind) {
  return matcher{std::move(kind)};
}

// A matcher that always says yes (an empty `all`).
inline matcher always() { return m(all_match{}); }

inline rule make_rule(std::string id, matcher match, action a) {
  rule r;
  r.id = std::move(id);
  r.match = std::move(match);
  r.action = a;
  return r;
}

struct fixture {
  policy_set policies;
  recipient_data data;
  inputs in;

  fixture() {
    in.address = "alice@example.com";
    in.now = utc(2026, 1, 15, 12);
  }

  void campaign(std::string category, std::optional<std::string> id = std::nullopt) {
    in.campaign.known = true;
    in.campaign.category = std::move(category);
    in.campaign.id = std::move(id);
  }
  void add(std::string id, matcher match, action a = action::hold) {
    policies.rules.push_back(make_rule(std::move(id), std::move(match), a));
  }
  // The explained decision; every call also checks that serve's unexplained
  // evaluation reaches the same one, with the same reason and trace whenever the
  // decision is read (final and not a relay).
  decision run() {
    in.data = &data;
    inputs full = in, quiet = in;
    full.explain = true;
    quiet.explain = false;
    const decision d = evaluate(policies, full);
    const decision q = evaluate(policies, quiet);
    BOOST_TEST(q.final == d.final);
    BOOST_TEST((q.action == d.action));
    BOOST_TEST(q.rule_id == d.rule_id);
    BOOST_REQUIRE_EQUAL(q.trace.size(), d.trace.size());
    const bool read = d.final && d.action != action::relay;
    for (std::size_t i = 0; i < d.trace.size(); ++i) {
      BOOST_TEST(q.trace[i].rule_id == d.trace[i].rule_id);
      BOOST_TEST((q.trace[i].result == d.trace[i].result));
      BOOST_TEST(q.trace[i].detail == (read ? d.trace[i].detail : std::string()));
    }
    if (read) BOOST_TEST(q.reason == d.reason);
    return d;
  }
  // Without the checks, for threads other than the test's (Boost.Test is not thread-safe).
  decision run_unchecked() {
    in.data = &data;
    return evaluate(policies, in);
  }

  // One matcher on its own (below the built-in rule), with what it flagged as malformed.
  std::optional<std::string> malformed;
  match_result check(const matcher& which) {
    in.data = &data;
    match_context ctx{policies, in, data, std::nullopt};
    auto r = match(which, ctx);
    malformed = ctx.malformed;
    return r;
  }
  tri result(const matcher& which) { return check(which).result; }
};

}  // namespace kizuna::policy::testing
