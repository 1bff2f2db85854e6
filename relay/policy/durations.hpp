// The two time notations of policy files: sent_within periods ("7d", "12h",
// "30m", "45s": a whole number and one unit) and local_time_between times of
// day ("HH:MM", 24-hour clock, two digits each).
// Limits: a period is between 1s and 366d (a frequency cap past a year keeps
// sent:{addr} forever); a time is 00:00..23:59.
// Errors: a one-line reason without location; the decoder reports it at the value.
#pragma once

#include <chrono>
#include <expected>
#include <string>
#include <string_view>

namespace kizuna::policy {

inline constexpr std::chrono::seconds min_period{1};
inline constexpr std::chrono::seconds max_period = std::chrono::days{366};

std::expected<std::chrono::seconds, std::string> parse_period(std::string_view text);

// Minutes after midnight.
std::expected<std::chrono::minutes, std::string> parse_time_of_day(std::string_view text);

}  // namespace kizuna::policy
