// ASCII case-insensitive comparison for protocol tokens (SMTP keywords, MIME
// field and parameter names, URL schemes, HTML tag names, domain A-labels), and
// the 7-bit test (SMTPUTF8 decisions, the fast paths of address normalization).
// Locale-free: only 'A'..'Z' fold; every other byte compares as it is.
#pragma once

#include <cstddef>
#include <string_view>

namespace kizuna {

constexpr char ascii_lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

constexpr bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

constexpr bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// True when every byte is 7-bit.
constexpr bool is_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

}  // namespace kizuna
