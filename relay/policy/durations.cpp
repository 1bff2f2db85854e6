#include "relay/policy/durations.hpp"

#include <fmt/format.h>

#include <charconv>
#include <cstdint>

namespace kizuna::policy {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::expected<std::chrono::seconds, std::string> parse_period(std::string_view text) {
  const auto malformed = [&] {
    return std::unexpected(
        fmt::format("expected a whole number and a unit (d, h, m or s) such as 7d or 12h, got \"{}\"", text));
  };
  if (text.size() < 2) return malformed();
  const auto digits = text.substr(0, text.size() - 1);
  int64_t unit = 0;
  switch (text.back()) {
    case 'd': unit = 86400; break;
    case 'h': unit = 3600; break;
    case 'm': unit = 60; break;
    case 's': unit = 1; break;
    default: return malformed();
  }
  for (char c : digits)
    if (!is_digit(c)) return malformed();
  uint64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  // Too many digits for 64 bits is out of range all the same.
  const auto limit = static_cast<uint64_t>(max_period.count() / unit);
  if (ec != std::errc{} || n == 0 || n > limit)
    return std::unexpected(fmt::format("must be between 1s and 366d, got \"{}\"", text));
  static_assert(min_period == std::chrono::seconds{1}, "n == 0 is the only period below the minimum");
  return std::chrono::seconds(static_cast<int64_t>(n) * unit);
}

std::expected<std::chrono::minutes, std::string> parse_time_of_day(std::string_view text) {
  const bool shaped = text.size() == 5 && is_digit(text[0]) && is_digit(text[1]) && text[2] == ':' &&
                      is_digit(text[3]) && is_digit(text[4]);
  if (!shaped) return std::unexpected(fmt::format("expected a time as HH:MM (24-hour), got \"{}\"", text));
  const int hours = (text[0] - '0') * 10 + (text[1] - '0');
  const int minutes = (text[3] - '0') * 10 + (text[4] - '0');
  if (hours > 23 || minutes > 59)
    return std::unexpected(fmt::format("must be between 00:00 and 23:59, got \"{}\"", text));
  return std::chrono::minutes(hours * 60 + minutes);
}

}  // namespace kizuna::policy
