// UTF-8 well-formedness (RFC 3629, Unicode §3.9 Table 3-7): rejects overlong
// forms, surrogates (U+D800..U+DFFF), code points past U+10FFFF and truncated
// sequences. One reader for every place that validates or repairs UTF-8: CSV
// input before it reaches Redis, audit JSON, MIME text, template field names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace kizuna {

namespace detail {
// The lead byte's sequence length (0: not a lead byte) and its second byte's range.
struct utf8_lead {
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;
};
constexpr utf8_lead utf8_lead_of(unsigned char c) noexcept {
  utf8_lead l;
  if (c < 0x80) {
    l.len = 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    l.len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    l.len = 3;
    if (c == 0xE0) l.lo = 0xA0;  // no overlong forms
    if (c == 0xED) l.hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    l.len = 4;
    if (c == 0xF0) l.lo = 0x90;  // no overlong forms
    if (c == 0xF4) l.hi = 0x8F;  // nothing past U+10FFFF
  }
  return l;
}
}  // namespace detail

// Length of the well-formed sequence at s[i] (1 for ASCII), or 0 when there is none.
constexpr std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  if (i >= s.size()) return 0;
  const auto c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  // Fast path for the common three-byte form (kana, kanji): leads E1..EC, EE, EF
  // take any continuation bytes.
  if (((c >= 0xE1 && c <= 0xEC) || c >= 0xEE) && c <= 0xEF && s.size() - i >= 3 &&
      (static_cast<unsigned char>(s[i + 1]) & 0xC0) == 0x80 && (static_cast<unsigned char>(s[i + 2]) & 0xC0) == 0x80)
    return 3;
  const auto lead = detail::utf8_lead_of(c);
  if (lead.len <= 1) return lead.len;
  if (s.size() - i < lead.len) return 0;
  for (std::size_t k = 1; k < lead.len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lead.lo || b > lead.hi) : (b < 0x80 || b > 0xBF)) return 0;
  }
  return lead.len;
}

// At an invalid position: how many bytes one U+FFFD replaces, the longest prefix
// of a well-formed sequence ("maximal subpart", Unicode §3.9 / WHATWG), at least 1.
constexpr std::size_t utf8_maximal_subpart(std::string_view s, std::size_t i) noexcept {
  const auto lead = detail::utf8_lead_of(static_cast<unsigned char>(s[i]));
  if (lead.len <= 1) return 1;
  std::size_t k = 1;
  for (; k < lead.len && i + k < s.size(); ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if (k == 1 ? (b < lead.lo || b > lead.hi) : (b < 0x80 || b > 0xBF)) break;
  }
  return k;
}

// Length of the longest well-formed prefix of s: the validators' one loop.
// Mail text is long ASCII runs (skipped eight bytes at a time) or kana and
// kanji (three-byte sequences, checked inline); only other bytes take the
// general path. Tens of kilobytes per message pass through here.
inline std::size_t utf8_valid_prefix(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    for (std::uint64_t w; i + 8 <= n; i += 8) {
      std::memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
    }
    while (i < n && p[i] < 0x80) ++i;
    while (i + 3 <= n) {
      const unsigned char c = p[i];
      if (c < 0xE1 || c > 0xEF || c == 0xED || (p[i + 1] & 0xC0) != 0x80 || (p[i + 2] & 0xC0) != 0x80) break;
      i += 3;
    }
    if (i >= n || p[i] < 0x80) continue;
    const std::size_t len = utf8_sequence_length(s, i);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

inline bool is_valid_utf8(std::string_view s) noexcept { return utf8_valid_prefix(s) == s.size(); }

}  // namespace kizuna
