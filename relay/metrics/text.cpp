// Prometheus text format 0.0.4: names, escaping, numbers.
#include "relay/metrics/text.hpp"

#include <cmath>

#include <fmt/format.h>

namespace kizuna::metrics {

namespace {
bool alpha_(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }
}  // namespace

bool valid_metric_name(std::string_view name) noexcept {
  if (name.empty() || !(alpha_(name[0]) || name[0] == ':')) return false;
  for (char c : name)
    if (!(alpha_(c) || digit(c) || c == ':')) return false;
  return true;
}

bool valid_label_name(std::string_view name) noexcept {
  if (name.empty() || !alpha_(name[0]) || name.starts_with("__")) return false;
  for (char c : name)
    if (!(alpha_(c) || digit(c))) return false;
  return true;
}

void append_label_value(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_help(std::string& out, std::string_view help) {
  for (char c : help) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
}

void append_value(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    // fmt's default for double is the shortest string that reads back exactly.
    fmt::format_to(std::back_inserter(out), "{}", v);
  }
}

void append_value(std::string& out, std::uint64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }
void append_value(std::string& out, std::int64_t v) { fmt::format_to(std::back_inserter(out), "{}", v); }

}  // namespace kizuna::metrics
