// A contact's local wall-clock time for `local_time_between` (SPEC §6), from the
// system tzdata through Howard Hinnant's date library. Zone names are looked up
// in an index built once and then only read: safe from any number of threads,
// no exception for the unknown names contact data is full of.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace kizuna::policy {

struct local_reading {
  std::chrono::minutes minute_of_day{0};  // after local midnight, [0, 1440)
  bool contact_zone = false;              // false: the default zone was used
};

// True when `name` is a zone of the system tzdata ("Asia/Tokyo"); the loader can
// use it to check `timezone.default`.
bool is_known_time_zone(std::string_view name);

// Local minute of day at `now` in `contact_zone` when it is a known zone, else
// in `default_zone`; nullopt when neither is known.
std::optional<local_reading> local_minute_of_day(std::string_view contact_zone, std::string_view default_zone,
                                                 std::chrono::system_clock::time_point now);

}  // namespace kizuna::policy
