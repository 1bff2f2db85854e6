#include "relay/core/log.hpp"

#include <unistd.h>

#include <atomic>

namespace kizuna::log {
namespace {
std::atomic<level> threshold{level::info};

constexpr std::string_view prefix(level l) {
  // sd-daemon(3) priority prefixes, so journald keeps the severity.
  switch (l) {
    case level::debug: return "<7>debug ";
    case level::info: return "<6>info ";
    case level::warning: return "<4>warning ";
    case level::error: return "<3>error ";
  }
  return "";
}
}  // namespace

void set_threshold(level l) noexcept { threshold.store(l, std::memory_order_relaxed); }
bool enabled(level l) noexcept { return l >= threshold.load(std::memory_order_relaxed); }

void write(level l, std::string_view line) noexcept {
  // One write(2) per line so lines from several threads never interleave.
  std::string out;
  try {
    out.reserve(line.size() + 16);
    out.append(prefix(l)).append(line).push_back('\n');
  } catch (...) {
    return;  // out of memory while logging: dropping the line is the only safe choice
  }
  const char* p = out.data();
  size_t left = out.size();
  while (left > 0) {
    ssize_t n = ::write(STDERR_FILENO, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace kizuna::log
