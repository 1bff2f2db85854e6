#include "relay/daemon/hold_census.hpp"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace kizuna::daemon {

namespace {
constexpr std::string_view suffix = ".held";     // delivery/hold_queue.cpp
constexpr std::size_t id_seconds_digits = 8;     // core/transaction_id.hpp
}  // namespace

double hold_census::oldest_age(std::int64_t now) const {
  if (!oldest || *oldest >= now) return 0;
  return static_cast<double>(now - *oldest);
}

std::optional<std::int64_t> held_since(std::string_view name) {
  if (!name.ends_with(suffix) || name.size() <= id_seconds_digits + suffix.size()) return std::nullopt;
  std::uint32_t seconds = 0;
  const char* first = name.data();
  const char* last = first + id_seconds_digits;
  if (!std::all_of(first, last, [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); }))
    return std::nullopt;
  auto [end, ec] = std::from_chars(first, last, seconds, 16);
  if (ec != std::errc() || end != last) return std::nullopt;
  return static_cast<std::int64_t>(seconds);
}

hold_census take_census(const std::filesystem::path& dir) {
  hold_census c;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.ends_with(suffix)) continue;  // temp files of a put() in progress
    ++c.copies;
    if (auto t = held_since(name); t && (!c.oldest || *t < *c.oldest)) c.oldest = t;
  }
  return c;
}

const hold_census& hold_census_cache::get() {
  const auto now = std::chrono::steady_clock::now();
  if (!taken_ || now - *taken_ >= max_staleness_) {
    last_ = take_census(dir_);
    taken_ = now;
  }
  return last_;
}

}  // namespace kizuna::daemon
