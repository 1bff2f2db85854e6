// Line scanning shared by the MIME parser's pieces (internal). A line ends at LF;
// a CR right before it belongs to the line end (CRLF or bare LF are accepted);
// the last line may have no end.
#pragma once

#include <cstddef>
#include <cstring>
#include <string_view>

#include "relay/core/ascii.hpp"

namespace kizuna::mime::detail {

struct line {
  std::size_t begin = 0;  // first byte
  std::size_t end = 0;    // end of the content (before CR LF / LF)
  std::size_t next = 0;   // first byte of the next line
  bool bare_lf() const noexcept { return next > end && next - end == 1; }
  std::size_t size() const noexcept { return end - begin; }
};

inline line line_at(std::string_view s, std::size_t pos) noexcept {
  const void* nl = pos < s.size() ? std::memchr(s.data() + pos, '\n', s.size() - pos) : nullptr;
  if (nl == nullptr) return {pos, s.size(), s.size()};
  const std::size_t i = static_cast<std::size_t>(static_cast<const char*>(nl) - s.data());
  const std::size_t end = (i > pos && s[i - 1] == '\r') ? i - 1 : i;
  return {pos, end, i + 1};
}

// Length of the line end just before `pos` (2 for CRLF, 1 for LF, 0 if none),
// never reaching before `floor`.
inline std::size_t line_end_before(std::string_view s, std::size_t pos, std::size_t floor) noexcept {
  if (pos <= floor || s[pos - 1] != '\n') return 0;
  if (pos - 1 > floor && s[pos - 2] == '\r') return 2;
  return 1;
}

inline bool is_wsp(char c) noexcept { return c == ' ' || c == '\t'; }

using ::kizuna::ascii_lower;
using ::kizuna::iequals;
using ::kizuna::istarts_with;

inline std::string_view trim_wsp(std::string_view s) noexcept {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace kizuna::mime::detail
