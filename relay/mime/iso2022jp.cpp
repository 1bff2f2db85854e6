#include "relay/mime/iso2022jp.hpp"

namespace kizuna::mime::detail {
namespace {

constexpr char esc = 0x1b;
constexpr char shift_out = 0x0e;  // SO: JIS X 0201 katakana (JIS7)
constexpr char shift_in = 0x0f;   // SI: back

enum class mode { ascii, jis_x0208, katakana };

// Length of a known escape sequence at in[i] (which is ESC), 0 if unknown;
// `next` receives the mode it selects.
std::size_t known_escape(std::string_view in, std::size_t i, mode& next) noexcept {
  const std::string_view rest = in.substr(i + 1);
  if (rest.starts_with("(B") || rest.starts_with("(J")) {
    next = mode::ascii;
    return 3;
  }
  if (rest.starts_with("(I")) {
    next = mode::katakana;
    return 3;
  }
  if (rest.starts_with("$@") || rest.starts_with("$B")) {
    next = mode::jis_x0208;
    return 3;
  }
  if (rest.starts_with("&@")) return 3;  // JIS X 0208-1990 announcer; ESC $ B follows
  return 0;
}

bool in_94(unsigned char c) noexcept { return c >= 0x21 && c <= 0x7e; }

// JIS X 0208 row/cell bytes (0x21..0x7E each) to a Shift_JIS pair.
void jis_to_sjis(unsigned char j1, unsigned char j2, std::string& out) {
  const unsigned s1 = ((j1 + 1u) >> 1) + (j1 <= 0x5e ? 0x70u : 0xb0u);
  const unsigned s2 = j2 + ((j1 & 1u) ? (j2 >= 0x60 ? 0x20u : 0x1fu) : 0x7eu);
  out.push_back(static_cast<char>(s1));
  out.push_back(static_cast<char>(s2));
}

}  // namespace

bool is_plain_iso2022jp(std::string_view in) noexcept {
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != esc) continue;
    mode m = mode::ascii;
    if (known_escape(in, i, m) == 0) return false;
  }
  return true;
}

std::expected<utf8_text, charset_error> decode_iso2022jp(std::string_view in) {
  auto cp932 = iconv_converter::open("UTF-8", "CP932");
  if (!cp932) return std::unexpected(charset_error::unknown_charset);
  utf8_text r;
  const std::size_t cap = conversion_cap(in.size());
  std::string sjis;  // pending double-byte / katakana run, converted in one go
  bool ok = true;
  auto flush = [&] {
    if (sjis.empty()) return;
    ok = ok && cp932->convert_lenient(sjis, r.text, cap, r.lossy);
    sjis.clear();
  };
  auto bad = [&] {
    flush();
    r.text += replacement_character;
    r.lossy = true;
  };
  mode m = mode::ascii;
  bool shifted = false;  // inside SO ... SI
  for (std::size_t i = 0; i < in.size() && ok; ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == static_cast<unsigned char>(esc)) {
      mode next = m;
      const std::size_t n = known_escape(in, i, next);
      if (n == 0) {
        bad();
        continue;
      }
      m = next;
      i += n - 1;
      continue;
    }
    if (c == static_cast<unsigned char>(shift_out)) {
      shifted = true;
      continue;
    }
    if (c == static_cast<unsigned char>(shift_in)) {
      shifted = false;
      continue;
    }
    if (c >= 0x80) {
      bad();
      continue;
    }
    if (c == '\n' || c == '\r') {
      // A line end returns to ASCII (RFC 1468 requires it; senders that forget are common).
      flush();
      r.text.push_back(static_cast<char>(c));
      m = mode::ascii;
      shifted = false;
      continue;
    }
    const mode effective = shifted ? mode::katakana : m;
    if (effective == mode::katakana && c >= 0x21 && c <= 0x5f) {
      sjis.push_back(static_cast<char>(c + 0x80));
    } else if (effective == mode::jis_x0208 && in_94(c)) {
      if (i + 1 < in.size() && in_94(static_cast<unsigned char>(in[i + 1]))) {
        jis_to_sjis(c, static_cast<unsigned char>(in[i + 1]), sjis);
        ++i;
      } else {
        bad();
      }
    } else {
      flush();
      r.text.push_back(static_cast<char>(c));
    }
  }
  flush();
  if (!ok || r.text.size() > cap) return std::unexpected(charset_error::too_large);
  return r;
}

std::expected<std::string, charset_error> encode_iso2022jp(std::string_view utf8) {
  auto to_sjis = iconv_converter::open("CP932", "UTF-8");
  if (!to_sjis) return std::unexpected(charset_error::unknown_charset);
  std::string sjis;
  const auto r = to_sjis->convert(utf8, sjis, conversion_cap(utf8.size()));
  if (r.st == iconv_converter::status::invalid) return std::unexpected(charset_error::unrepresentable);
  if (r.st != iconv_converter::status::ok) return std::unexpected(charset_error::invalid_input);

  std::string out;
  out.reserve(sjis.size() + sjis.size() / 2 + 8);
  bool in_jis = false;
  for (std::size_t i = 0; i < sjis.size(); ++i) {
    const auto c = static_cast<unsigned char>(sjis[i]);
    if (c < 0x80) {
      if (c == static_cast<unsigned char>(esc) || c == static_cast<unsigned char>(shift_out) ||
          c == static_cast<unsigned char>(shift_in))
        return std::unexpected(charset_error::unrepresentable);  // would be read as a shift
      if (in_jis) {
        out += "\x1b(B";
        in_jis = false;
      }
      out.push_back(static_cast<char>(c));
      continue;
    }
    const bool lead = (c >= 0x81 && c <= 0x9f) || (c >= 0xe0 && c <= 0xfc);
    if (!lead || i + 1 >= sjis.size()) return std::unexpected(charset_error::unrepresentable);  // half-width kana
    unsigned s1 = c;
    const unsigned s2 = static_cast<unsigned char>(sjis[i + 1]);
    if (s1 >= 0xe0) s1 -= 0x40;
    s1 -= 0x81;
    unsigned j1, j2;
    if (s2 >= 0x9f) {
      j1 = s1 * 2 + 0x22;
      j2 = s2 - 0x7e;
    } else {
      j1 = s1 * 2 + 0x21;
      j2 = s2 - (s2 >= 0x80 ? 0x20 : 0x1f);
    }
    // Rows 1-84 only: NEC-selected IBM and user-defined rows are CP932-only.
    if (j1 > 0x74 || !in_94(static_cast<unsigned char>(j2))) return std::unexpected(charset_error::unrepresentable);
    if (!in_jis) {
      out += "\x1b$B";
      in_jis = true;
    }
    out.push_back(static_cast<char>(j1));
    out.push_back(static_cast<char>(j2));
    ++i;
  }
  if (in_jis) out += "\x1b(B";
  return out;
}

}  // namespace kizuna::mime::detail
