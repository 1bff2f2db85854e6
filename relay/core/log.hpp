// Minimal structured logging to stderr (journald picks it up under systemd).
// One line per event: "<level> [component] message". Sessions prefix their id so a
// transaction can be followed across the log. Thread-safe: each line is one write.
#pragma once

#include <fmt/format.h>
#include <string>
#include <string_view>

namespace kizuna::log {

enum class level { debug = 0, info, warning, error };

void set_threshold(level l) noexcept;
bool enabled(level l) noexcept;
void write(level l, std::string_view line) noexcept;

template <class... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::info)) write(level::info, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void warning(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::warning)) write(level::warning, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::error)) write(level::error, fmt::format(f, std::forward<Args>(args)...));
}
template <class... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (enabled(level::debug)) write(level::debug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace kizuna::log
