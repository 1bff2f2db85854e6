// local_time_between: quiet hours in the contact's zone, across midnight and DST.
#include "relay/policy/local_time.hpp"

#include <boost/test/unit_test.hpp>
#include <thread>
#include <vector>

#include "tests/unit/policy/policy_builders.hpp"

using namespace kizuna::policy;
using namespace kizuna::policy::testing;
using namespace std::chrono_literals;

namespace {

matcher between(std::chrono::minutes from, std::chrono::minutes to) { return m(local_time_match{from, to}); }
matcher quiet_hours() { return between(21h, 8h); }  // ["21:00", "08:00")

std::chrono::minutes local_minute(std::string_view zone, std::chrono::system_clock::time_point t) {
  auto r = local_minute_of_day(zone, "UTC", t);
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(r->contact_zone);
  return r->minute_of_day;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(local_time)

BOOST_AUTO_TEST_CASE(quiet_hours_cross_midnight_in_asia_tokyo) {
  fixture f;
  f.data.contact["timezone"] = "Asia/Tokyo";  // UTC+9, no DST
  const auto at = [&](int h, int mi) {
    f.in.now = utc(2026, 1, 15, h, mi);
    return f.result(quiet_hours());
  };
  BOOST_TEST(at(11, 59) == tri::no);   // 20:59 JST
  BOOST_TEST(at(12, 0) == tri::yes);   // 21:00 JST: from is inclusive
  BOOST_TEST(at(15, 0) == tri::yes);   // 00:00 JST
  BOOST_TEST(at(22, 59) == tri::yes);  // 07:59 JST
  BOOST_TEST(at(23, 0) == tri::no);    // 08:00 JST: to is exclusive
}

BOOST_AUTO_TEST_CASE(window_within_a_day_and_empty_window) {
  fixture f;
  f.data.contact["timezone"] = "Asia/Tokyo";
  f.in.now = utc(2026, 1, 15, 1, 0);  // 10:00 JST
  BOOST_TEST(f.result(between(9h, 17h)) == tri::yes);
  BOOST_TEST(f.result(between(11h, 17h)) == tri::no);
  BOOST_TEST(f.result(between(10h, 10h)) == tri::no);  // from == to: empty
}

BOOST_AUTO_TEST_CASE(same_utc_time_is_an_hour_later_in_new_york_after_the_spring_dst_change) {
  // 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
  BOOST_TEST(local_minute("America/New_York", utc(2026, 3, 7, 12, 30)).count() == 7 * 60 + 30);  // EST, UTC-5
  BOOST_TEST(local_minute("America/New_York", utc(2026, 3, 9, 12, 30)).count() == 8 * 60 + 30);  // EDT, UTC-4
  fixture f;
  f.data.contact["timezone"] = "America/New_York";
  f.in.now = utc(2026, 3, 7, 12, 30);
  BOOST_TEST(f.result(quiet_hours()) == tri::yes);
  f.in.now = utc(2026, 3, 9, 12, 30);
  BOOST_TEST(f.result(quiet_hours()) == tri::no);
  // On the day itself, either side of 07:00 UTC.
  BOOST_TEST(local_minute("America/New_York", utc(2026, 3, 8, 6, 59)).count() == 1 * 60 + 59);
  BOOST_TEST(local_minute("America/New_York", utc(2026, 3, 8, 7, 0)).count() == 3 * 60);
}

BOOST_AUTO_TEST_CASE(same_utc_time_is_an_hour_earlier_in_new_york_after_the_autumn_dst_change) {
  // 2026-11-01 02:00 EDT -> 01:00 EST (06:00 UTC).
  BOOST_TEST(local_minute("America/New_York", utc(2026, 10, 31, 12, 30)).count() == 8 * 60 + 30);  // EDT
  BOOST_TEST(local_minute("America/New_York", utc(2026, 11, 2, 12, 30)).count() == 7 * 60 + 30);   // EST
  fixture f;
  f.data.contact["timezone"] = "America/New_York";
  f.in.now = utc(2026, 10, 31, 12, 30);
  BOOST_TEST(f.result(quiet_hours()) == tri::no);
  f.in.now = utc(2026, 11, 2, 12, 30);
  BOOST_TEST(f.result(quiet_hours()) == tri::yes);
  // 01:30 local happens twice that night; both readings are well defined.
  BOOST_TEST(local_minute("America/New_York", utc(2026, 11, 1, 5, 30)).count() == 1 * 60 + 30);
  BOOST_TEST(local_minute("America/New_York", utc(2026, 11, 1, 6, 30)).count() == 1 * 60 + 30);
}

BOOST_AUTO_TEST_CASE(default_zone_when_the_contact_zone_is_missing_or_invalid) {
  fixture f;
  f.policies.default_timezone = "Asia/Tokyo";
  f.in.now = utc(2026, 1, 15, 13, 0);  // 22:00 JST, 13:00 UTC
  BOOST_TEST(f.result(quiet_hours()) == tri::yes);
  BOOST_TEST(f.check(quiet_hours()).detail ==
             "local 22:00 in [21:00, 08:00) (default zone Asia/Tokyo, contact.timezone missing)");
  for (const char* bad : {"Mars/Olympus", "", "asia/tokyo", "../../../etc/passwd", "Asia/Tokyo\n"}) {
    f.data.contact["timezone"] = bad;
    BOOST_TEST(f.result(quiet_hours()) == tri::yes, bad);
  }
  BOOST_TEST(f.check(quiet_hours()).detail.find("not a known zone") != std::string::npos);
  f.data.contact["timezone"] = "UTC";  // a valid contact zone wins over the default
  BOOST_TEST(f.result(quiet_hours()) == tri::no);
  BOOST_TEST(f.check(quiet_hours()).detail == "local 13:00 in [21:00, 08:00) (zone from contact.timezone)");
}

BOOST_AUTO_TEST_CASE(timezone_field_is_configurable) {
  fixture f;
  f.policies.timezone_field = "タイムゾーン";
  f.data.contact["タイムゾーン"] = "Asia/Tokyo";
  f.data.contact["timezone"] = "UTC";
  f.in.now = utc(2026, 1, 15, 13, 0);
  BOOST_TEST(f.result(quiet_hours()) == tri::yes);
}

BOOST_AUTO_TEST_CASE(unknown_default_zone_defers) {
  fixture f;
  f.campaign("newsletter");
  f.policies.default_timezone = "Nowhere/Special";
  f.add("quiet", quiet_hours(), action::defer);
  const auto d = f.run();
  BOOST_TEST(d.final);
  BOOST_TEST(d.action == action::defer);
  BOOST_TEST(d.rule_id == "quiet");
  BOOST_TEST(d.reason == "unknown time zone Nowhere/Special");
}

BOOST_AUTO_TEST_CASE(known_zones_are_the_system_tzdata) {
  BOOST_TEST(is_known_time_zone("Asia/Tokyo"));
  BOOST_TEST(is_known_time_zone("America/New_York"));
  BOOST_TEST(!is_known_time_zone("Asia/Atlantis"));
  BOOST_TEST(!is_known_time_zone(""));
}

BOOST_AUTO_TEST_CASE(evaluate_is_safe_from_many_threads_at_once) {
  const std::vector<std::pair<std::string, tri>> zones = {
      {"Asia/Tokyo", tri::yes}, {"America/New_York", tri::no}, {"Europe/London", tri::no}, {"bogus", tri::yes}};
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      fixture f;
      f.policies.default_timezone = "Asia/Tokyo";
      f.campaign("newsletter");
      f.add("quiet", quiet_hours(), action::defer);
      f.in.now = utc(2026, 1, 15, 13, 0);  // 22:00 JST, 08:00 EST, 13:00 GMT
      for (int i = 0; i < 2000; ++i) {
        const auto& [zone, want] = zones[(i + t) % zones.size()];
        f.data.contact["timezone"] = zone;
        if (f.run_unchecked().trace.back().result != want) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int n : failures) BOOST_TEST(n == 0);
}

BOOST_AUTO_TEST_SUITE_END()
