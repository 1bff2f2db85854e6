#include "relay/audit/text_table.hpp"

namespace kizuna::audit {
namespace {

// One code point at s[i]: its value and length (1 with the byte's value when invalid).
char32_t decode(std::string_view s, std::size_t i, std::size_t* len) {
  const auto c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n <= 1 || i + n > s.size()) return *len = 1, c;
  char32_t cp = c & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return *len = 1, c;
    cp = (cp << 6) | (b & 0x3F);
  }
  *len = n;
  return cp;
}

bool in(char32_t c, char32_t lo, char32_t hi) { return c >= lo && c <= hi; }

std::size_t cells(char32_t c) {
  if (c < 0x20 || in(c, 0x7F, 0x9F)) return 1;  // control characters are printed as a space
  if (in(c, 0x300, 0x36F) || in(c, 0x200B, 0x200F) || in(c, 0xFE00, 0xFE0F) || c == 0xFEFF ||
      in(c, 0x3099, 0x309A))
    return 0;
  if (in(c, 0x1100, 0x115F) || in(c, 0x2E80, 0x303E) || in(c, 0x3041, 0x33FF) || in(c, 0x3400, 0x4DBF) ||
      in(c, 0x4E00, 0x9FFF) || in(c, 0xA000, 0xA4CF) || in(c, 0xAC00, 0xD7A3) || in(c, 0xF900, 0xFAFF) ||
      in(c, 0xFE30, 0xFE4F) || in(c, 0xFF00, 0xFF60) || in(c, 0xFFE0, 0xFFE6) || in(c, 0x1F300, 0x1F64F) ||
      in(c, 0x1F900, 0x1F9FF) || in(c, 0x20000, 0x3FFFD))
    return 2;
  return 1;
}

}  // namespace

std::size_t display_width(std::string_view s) {
  std::size_t w = 0;
  for (std::size_t i = 0, n = 0; i < s.size(); i += n) w += cells(decode(s, i, &n));
  return w;
}

std::string fit(std::string_view s, std::size_t width, bool right, bool pad) {
  std::string out;
  std::size_t used = 0;
  const bool cut = display_width(s) > width;
  const std::size_t room = cut && width > 0 ? width - 1 : width;  // one cell for "…"
  for (std::size_t i = 0, n = 0; i < s.size(); i += n) {
    const char32_t c = decode(s, i, &n);
    const std::size_t w = cells(c);
    if (used + w > room) break;
    if (c < 0x20 || in(c, 0x7F, 0x9F)) out += ' ';
    else out.append(s.substr(i, n));
    used += w;
  }
  if (cut && width > 0) out += "\xE2\x80\xA6", ++used;  // …
  if (pad && used < width) {
    if (right) out.insert(0, width - used, ' ');
    else out.append(width - used, ' ');
  }
  return out;
}

}  // namespace kizuna::audit
