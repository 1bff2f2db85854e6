#include "relay/personalize/company.hpp"

#include <array>

namespace kizuna::personalize {
namespace {

struct marker {
  std::string_view spelling;
  std::string_view canonical;
};

// Matched after width normalization, so only ASCII parentheses appear here.
constexpr std::array<marker, 15> markers{{
    {"株式会社", "株式会社"}, {"(株)", "株式会社"}, {"㈱", "株式会社"}, {"㍿", "株式会社"},
    {"有限会社", "有限会社"}, {"(有)", "有限会社"}, {"㈲", "有限会社"},
    {"合同会社", "合同会社"}, {"(同)", "合同会社"},
    {"合資会社", "合資会社"}, {"(資)", "合資会社"}, {"㈾", "合資会社"},
    {"合名会社", "合名会社"}, {"(名)", "合名会社"}, {"㈴", "合名会社"},
}};

// Step 1: full-width ASCII to half-width, every kind of space to ' '.
std::string fold_width(std::string_view in) {
  std::string s;
  s.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '\t' || c == '\r' || c == '\n') {
      s.push_back(' ');
      continue;
    }
    if (c == 0xC2 && i + 1 < in.size() && static_cast<unsigned char>(in[i + 1]) == 0xA0) {  // U+00A0
      s.push_back(' ');
      ++i;
      continue;
    }
    if ((c == 0xE3 || c == 0xEF) && i + 2 < in.size()) {
      const auto c1 = static_cast<unsigned char>(in[i + 1]);
      const auto c2 = static_cast<unsigned char>(in[i + 2]);
      if (c == 0xE3 && c1 == 0x80 && c2 == 0x80) {  // U+3000
        s.push_back(' ');
        i += 2;
        continue;
      }
      // U+FF01..U+FF3F = EF BC 81..BF, U+FF40..U+FF5E = EF BD 80..9E
      if (c == 0xEF && ((c1 == 0xBC && c2 >= 0x81 && c2 <= 0xBF) || (c1 == 0xBD && c2 >= 0x80 && c2 <= 0x9E))) {
        const unsigned cp = 0xFF00u + ((c1 - 0xBCu) << 6) + (c2 - 0x80u);
        s.push_back(static_cast<char>(cp - 0xFF01u + 0x21u));
        i += 2;
        continue;
      }
    }
    s.push_back(static_cast<char>(c));
  }
  return s;
}

const marker* marker_at(std::string_view s) noexcept {
  for (const marker& m : markers)
    if (s.starts_with(m.spelling)) return &m;
  return nullptr;
}

// Step 3 for one run of text between markers (or the ends of the name): its
// edge spaces are dropped, inner runs of spaces become one.
void append_text(std::string& out, std::string_view t) {
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  bool space = false;
  for (char c : t) {
    if (c == ' ') {
      space = true;
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
}

}  // namespace

void append_normalized_company(std::string& out, std::string_view name) {
  const std::string folded = fold_width(name);
  const std::string_view v = folded;
  std::size_t text_begin = 0;
  std::size_t i = 0;
  // Markers start with '(' or a UTF-8 lead byte, so a byte-wise match can
  // never begin inside another character.
  while (i < v.size()) {
    if (const marker* m = marker_at(v.substr(i))) {
      append_text(out, v.substr(text_begin, i - text_begin));
      out.append(m->canonical);
      i += m->spelling.size();
      text_begin = i;
    } else {
      ++i;
    }
  }
  append_text(out, v.substr(text_begin));
}

std::string normalize_company(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 16);
  append_normalized_company(out, name);
  return out;
}

}  // namespace kizuna::personalize
