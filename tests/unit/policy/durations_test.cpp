// parse_period and parse_time_of_day: the accepted forms and the bounds.
#include <boost/test/unit_test.hpp>

#include "relay/policy/durations.hpp"

using kizuna::policy::parse_period;
using kizuna::policy::parse_time_of_day;

namespace {

// Seconds and minutes as numbers: Boost.Test cannot print durations on GCC 12.
long long seconds(const char* text) { return parse_period(text).value().count(); }
long long minutes(const char* text) { return parse_time_of_day(text).value().count(); }

}  // namespace

BOOST_AUTO_TEST_CASE(periods_take_a_whole_number_and_one_unit) {
  BOOST_TEST(seconds("7d") == 7 * 86400);
  BOOST_TEST(seconds("12h") == 12 * 3600);
  BOOST_TEST(seconds("30m") == 30 * 60);
  BOOST_TEST(seconds("45s") == 45);
  for (const char* bad : {"", "d", "7", "7w", "7D", "-1d", "+1d", "1.5d", " 7d", "7d ", "7 d", "1h30m"})
    BOOST_TEST(!parse_period(bad).has_value(), bad);
}

BOOST_AUTO_TEST_CASE(periods_are_between_one_second_and_366_days) {
  BOOST_TEST(seconds("1s") == 1);
  BOOST_TEST(seconds("366d") == 366 * 86400);
  BOOST_TEST(seconds("8784h") == 366 * 86400);
  BOOST_TEST(seconds("31622400s") == 366 * 86400);
  for (const char* bad : {"0s", "0d", "367d", "8785h", "527041m", "31622401s", "99999999999999999999999d"})
    BOOST_TEST(!parse_period(bad).has_value(), bad);
  BOOST_TEST(parse_period("367d").error() == "must be between 1s and 366d, got \"367d\"");
}

BOOST_AUTO_TEST_CASE(times_of_day_are_hh_mm_on_a_24_hour_clock) {
  BOOST_TEST(minutes("00:00") == 0);
  BOOST_TEST(minutes("08:00") == 8 * 60);
  BOOST_TEST(minutes("21:30") == 21 * 60 + 30);
  BOOST_TEST(minutes("23:59") == 23 * 60 + 59);
  for (const char* bad : {"24:00", "23:60", "8:00", "08:0", "0800", "08-00", "", "08:00:00", "ab:cd", "-1:00"})
    BOOST_TEST(!parse_time_of_day(bad).has_value(), bad);
}
