// The DATA deadline (read_deadline.hpp): a stall past data_timeout ends it, a
// client at min_data_rate or faster may take as long as the message needs, a
// trickling client runs out about when the rate arithmetic says, and rate 0 is a
// total deadline. Time is simulated (time points built by hand), never slept.
#include <boost/test/unit_test.hpp>

#include "relay/smtp/read_deadline.hpp"

using kizuna::smtp::data_deadline;
using kizuna::smtp::read_clock;
using namespace std::chrono_literals;

namespace {
const read_clock::time_point t0{};  // the 354
}

BOOST_AUTO_TEST_CASE(the_deadline_starts_at_data_timeout_after_354) {
  data_deadline d(10s, 500, t0);
  BOOST_TEST((d.at() == t0 + 10s));
}

BOOST_AUTO_TEST_CASE(a_fast_client_never_runs_out_however_long_the_message) {
  // 1 MB/s in 64 KB reads for an hour: far past data_timeout in total.
  data_deadline d(10s, 500, t0);
  auto now = t0;
  for (int i = 0; i < 3600 * 16; ++i) {
    now += 62500us;
    BOOST_REQUIRE((now < d.at()));
    d.received(65536, now);
    BOOST_REQUIRE((d.at() == now + 10s));  // credit is capped at a full timeout in hand
  }
}

BOOST_AUTO_TEST_CASE(a_client_at_exactly_the_minimum_rate_keeps_its_deadline) {
  data_deadline d(10s, 500, t0);
  auto now = t0;
  for (int i = 0; i < 1000; ++i) {
    now += 1s;
    d.received(500, now);
  }
  BOOST_TEST((d.at() == now + 10s));
}

BOOST_AUTO_TEST_CASE(trickled_bytes_do_not_extend_the_deadline_beyond_their_credit) {
  // One byte every 200 ms (5 B/s) against 500 B/s: each read earns 2 ms, so the
  // 10 s deadline moves to about 10.1 s and the client is cut there.
  data_deadline d(10s, 500, t0);
  auto now = t0;
  while (now + 200ms < d.at()) {
    now += 200ms;
    d.received(1, now);
  }
  BOOST_TEST((d.at() > t0 + 10s));
  BOOST_TEST((d.at() < t0 + 10200ms));
  BOOST_TEST((now < t0 + 10200ms));
}

BOOST_AUTO_TEST_CASE(a_stall_longer_than_data_timeout_is_not_covered_by_earlier_speed) {
  data_deadline d(10s, 500, t0);
  d.received(100 << 20, t0 + 1s);  // 100 MB at once: credit is still capped
  BOOST_TEST((d.at() == t0 + 11s));
}

BOOST_AUTO_TEST_CASE(a_client_below_the_rate_runs_out_as_the_arithmetic_says) {
  // 250 B/s against 500 B/s: half of each second is paid back, so 10 s last ~20 s.
  data_deadline d(10s, 500, t0);
  auto now = t0;
  while (now + 1s < d.at()) {
    now += 1s;
    d.received(250, now);
  }
  BOOST_TEST((d.at() >= t0 + 19s));
  BOOST_TEST((d.at() <= t0 + 21s));
}

BOOST_AUTO_TEST_CASE(rate_zero_makes_data_timeout_a_total_deadline) {
  data_deadline d(10s, 0, t0);
  d.received(1 << 20, t0 + 5s);
  BOOST_TEST((d.at() == t0 + 10s));
}

BOOST_AUTO_TEST_CASE(huge_reads_do_not_overflow_the_credit) {
  data_deadline d(3600s, 1, t0);
  d.received(static_cast<std::size_t>(-1), t0);
  BOOST_TEST((d.at() == t0 + 3600s));
}
