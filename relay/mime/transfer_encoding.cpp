#include "relay/mime/transfer_encoding.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

#include "relay/mime/lines.hpp"

namespace kizuna::mime {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<std::int8_t, 256> hex_table() {
  std::array<std::int8_t, 256> t{};
  t.fill(-1);
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::int8_t>(i);
  for (int i = 0; i < 6; ++i) {
    t['A' + i] = static_cast<std::int8_t>(10 + i);
    t['a' + i] = static_cast<std::int8_t>(10 + i);  // lenient: RFC 2045 wants upper case
  }
  return t;
}
constexpr auto hex_values = hex_table();

int hex_value(char c) noexcept { return hex_values[static_cast<unsigned char>(c)]; }

constexpr std::array<std::int8_t, 256> b64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(b64_alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto b64_values = b64_table();

constexpr std::size_t b64_line_chars = 76;
constexpr std::size_t b64_line_bytes = b64_line_chars / 4 * 3;  // 57

// Fills a string of at most `max` bytes through fill(char*) -> end of output,
// without zero-filling it first.
template <class Fill>
std::string written(std::size_t max, Fill fill) {
  std::string s;
  s.resize_and_overwrite(max, [&](char* p, std::size_t) { return static_cast<std::size_t>(fill(p) - p); });
  return s;
}

char* put(char* o, std::string_view s) noexcept {
  std::memcpy(o, s.data(), s.size());
  return o + s.size();
}

// Soft breaks come every 25 units in Japanese text: CRLF without a call.
char* put_newline(char* o, std::string_view newline) noexcept {
  if (newline == "\r\n") {
    std::memcpy(o, "\r\n", 2);
    return o + 2;
  }
  return put(o, newline);
}

// A line end (CRLF or LF) at p, or the end of the input: what transport padding
// and soft breaks stand before. Returns the byte after it, or nullptr.
const char* qp_line_end(const char* p, const char* end) noexcept {
  if (p == end) return end;
  if (*p == '\n') return p + 1;
  if (*p == '\r' && end - p >= 2 && p[1] == '\n') return p + 2;
  return nullptr;
}

// At a '=': an escape, a soft line break ('=', transport padding, line end) or,
// for anything else, a literal '=' (RFC 2045 §6.7 note 2).
char* qp_equals(const char*& p, const char* end, char* o, bool& malformed) noexcept {
  const char* const start = p;
  while (end - p >= 3 && *p == '=') {  // a run of escapes, as Japanese text is
    const int hi = hex_value(p[1]);
    const int lo = hex_value(p[2]);
    if ((hi | lo) < 0) break;
    *o++ = static_cast<char>(hi << 4 | lo);
    p += 3;
  }
  if (p != start) return o;
  const char* q = p + 1;
  while (q < end && detail::is_wsp(*q)) ++q;
  if (const char* next = qp_line_end(q, end)) {
    p = next;
    return o;
  }
  malformed = true;
  *o++ = '=';
  ++p;
  return o;
}

// At a space or tab: a run of them before a line end is transport padding
// (rule 3) and dropped; any other run is data.
char* qp_space(const char*& p, const char* end, char* o) noexcept {
  const char* q = p + 1;
  while (q < end && detail::is_wsp(*q)) ++q;
  if (qp_line_end(q, end)) p = q;
  while (p < q) *o++ = *p++;  // runs are short: no call
  return o;
}

char* put_triple(char* o, std::uint32_t v) noexcept {
  o[0] = static_cast<char>((v >> 16) & 0xff);
  o[1] = static_cast<char>((v >> 8) & 0xff);
  o[2] = static_cast<char>(v & 0xff);
  return o + 3;
}

// The fast path's tables: each character's six bits already at their place in
// the three output bytes, laid out in memory order so that a quantum is four
// lookups OR-ed together and one store. Characters outside the alphabet carry
// b64_bad, a bit no decoded quantum has.
constexpr bool little_endian = std::endian::native == std::endian::little;
constexpr std::uint32_t b64_bad = little_endian ? 0x01000000 : 0x01;

constexpr std::uint32_t in_memory_order(std::uint32_t quantum) {
  return little_endian ? (quantum >> 16 & 0xff) | (quantum & 0xff00) | (quantum & 0xff) << 16 : quantum << 8;
}

constexpr std::array<std::uint32_t, 256> b64_placed_table(int position) {
  std::array<std::uint32_t, 256> t{};
  t.fill(b64_bad);
  for (std::uint32_t v = 0; v < 64; ++v)
    t[static_cast<unsigned char>(b64_alphabet[v])] = in_memory_order(v << (18 - 6 * position));
  return t;
}
constexpr std::array<std::array<std::uint32_t, 256>, 4> b64_placed{b64_placed_table(0), b64_placed_table(1),
                                                                    b64_placed_table(2), b64_placed_table(3)};

// Whole quanta from in[i] while its next four characters are all in the
// alphabet; i stops at anything else for the per-character path. Each store
// writes one byte past the quantum, which the output's slack absorbs.
char* base64_quanta(std::string_view in, std::size_t& i, char* o) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(in.data());
  const auto& [t0, t1, t2, t3] = b64_placed;
  for (; i + 4 <= in.size(); i += 4) {
    const std::uint32_t v = t0[p[i]] | t1[p[i + 1]] | t2[p[i + 2]] | t3[p[i + 3]];
    if (v & b64_bad) break;
    std::memcpy(o, &v, 4);
    o += 3;
  }
  return o;
}

// A byte's quoted-printable unit: the literal or "=XX", padded to four bytes so
// that it is stored in one move, and its width.
struct qp_unit {
  std::array<char, 3> text;
  std::uint8_t width;
};

// Inside a line space and tab are literal; as a line's last unit they are encoded.
constexpr std::array<qp_unit, 256> qp_table(bool last) {
  std::array<qp_unit, 256> t{};
  for (int c = 0; c < 256; ++c) {
    const bool literal = (c >= 33 && c <= 126 && c != '=') || (!last && (c == ' ' || c == '\t'));
    t[c] = literal ? qp_unit{{static_cast<char>(c), 0, 0}, 1}
                   : qp_unit{{'=', hex_digits[c >> 4], hex_digits[c & 15]}, 3};
  }
  return t;
}
constexpr auto qp_inner = qp_table(false);
constexpr auto qp_last = qp_table(true);
constexpr qp_unit qp_dash{{'=', '2', 'D'}, 3};

// One line's content with soft breaks so that no line exceeds 76 characters.
// Inside a line a unit must leave room for a soft break's '='; the line's last
// unit may take that column. A physical line (after a hard or a soft break)
// never begins with "--": that '-' is written =2D, so no encoded line can be a
// multipart delimiter (RFC 2046 §5.1.1), whatever the boundary.
char* qp_line(std::string_view text, std::string_view newline, char* o) noexcept {
  constexpr std::size_t max_line = 76;
  std::size_t col = 0;
  const auto unit = [&](const qp_unit& u, std::size_t limit, std::size_t i) {
    if (col + u.width > limit) {
      *o++ = '=';
      o = put_newline(o, newline);
      col = 0;
    }
    const bool dashes = col == 0 && text[i] == '-' && i + 1 < text.size() && text[i + 1] == '-';
    const qp_unit& w = dashes ? qp_dash : u;
    std::memcpy(o, &w, sizeof w);
    o += w.width;
    col += w.width;
  };
  if (text.empty()) return o;
  for (std::size_t i = 0; i + 1 < text.size(); ++i)
    unit(qp_inner[static_cast<unsigned char>(text[i])], max_line - 1, i);
  unit(qp_last[static_cast<unsigned char>(text.back())], max_line, text.size() - 1);
  return o;
}

// Two base64 characters for each 12-bit value: a triple is two lookups.
constexpr std::array<std::array<char, 2>, 4096> b64_pair_table() {
  std::array<std::array<char, 2>, 4096> t{};
  for (int v = 0; v < 4096; ++v) t[v] = {b64_alphabet[v >> 6], b64_alphabet[v & 63]};
  return t;
}
constexpr auto b64_pairs = b64_pair_table();

char* put_quad(char* o, std::uint32_t v) noexcept {
  std::memcpy(o, b64_pairs[v >> 12].data(), 2);
  std::memcpy(o + 2, b64_pairs[v & 0xfff].data(), 2);
  return o + 4;
}

// Up to one line's bytes as base64, '='-padded at the end.
char* base64_line(std::string_view bytes, char* o) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  const auto* const whole = p + bytes.size() / 3 * 3;
  for (; p + 6 <= whole; p += 6) {
    o = put_quad(o, std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]);
    o = put_quad(o, std::uint32_t{p[3]} << 16 | std::uint32_t{p[4]} << 8 | p[5]);
  }
  for (; p != whole; p += 3) o = put_quad(o, std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8 | p[2]);
  switch (bytes.size() % 3) {
    case 1:
      o = put_quad(o, std::uint32_t{p[0]} << 16);
      o[-2] = o[-1] = '=';
      break;
    case 2:
      o = put_quad(o, std::uint32_t{p[0]} << 16 | std::uint32_t{p[1]} << 8);
      o[-1] = '=';
      break;
  }
  return o;
}
}  // namespace

transfer_encoding parse_transfer_encoding(std::string_view value) noexcept {
  // The token up to whitespace, ';' or a comment.
  value = detail::trim_wsp(value);
  std::size_t n = 0;
  while (n < value.size() && !detail::is_wsp(value[n]) && value[n] != '(' && value[n] != ';') ++n;
  const std::string_view token = value.substr(0, n);
  if (token.empty() || detail::iequals(token, "7bit")) return transfer_encoding::seven_bit;
  if (detail::iequals(token, "8bit")) return transfer_encoding::eight_bit;
  if (detail::iequals(token, "binary")) return transfer_encoding::binary;
  if (detail::iequals(token, "quoted-printable")) return transfer_encoding::quoted_printable;
  if (detail::iequals(token, "base64")) return transfer_encoding::base64;
  return transfer_encoding::unknown;
}

std::string_view transfer_encoding_name(transfer_encoding e) noexcept {
  switch (e) {
    case transfer_encoding::seven_bit: return "7bit";
    case transfer_encoding::eight_bit: return "8bit";
    case transfer_encoding::binary: return "binary";
    case transfer_encoding::quoted_printable: return "quoted-printable";
    case transfer_encoding::base64: return "base64";
    case transfer_encoding::unknown: break;
  }
  return "";
}

// The codecs write through a pointer into a buffer sized for the worst case
// and keep what they wrote: bodies are tens of kilobytes, coded once per copy,
// and a Japanese body is almost all escapes, so the per-byte paths are short.
decode_result decode_quoted_printable(std::string_view in) {
  decode_result r;
  r.data = written(in.size(), [&](char* o) {  // decoding never grows
    const char* p = in.data();
    const char* const end = p + in.size();
    while (p < end) {
      if (*p == '=') o = qp_equals(p, end, o, r.malformed);
      else if (detail::is_wsp(*p)) o = qp_space(p, end, o);
      else *o++ = *p++;  // hard line breaks and lone CRs are data too
    }
    return o;
  });
  return r;
}

decode_result decode_base64(std::string_view in) {
  decode_result r;
  r.data = written(in.size() / 4 * 3 + 3, [&](char* o) {
    std::uint32_t acc = 0;
    int n = 0;
    bool padded = false;
    for (std::size_t i = 0; i < in.size(); ++i) {
      if (n == 0) {
        char* const before = o;
        o = base64_quanta(in, i, o);
        if (padded && o != before) r.malformed = true;  // data after padding
        if (i == in.size()) break;
      }
      const char c = in[i];
      const std::int8_t v = b64_values[static_cast<unsigned char>(c)];
      if (v < 0) {
        if (c == '=') padded = true;
        else if (c != '\r' && c != '\n' && !detail::is_wsp(c)) r.malformed = true;
        continue;
      }
      if (padded) r.malformed = true;  // data after padding: keep decoding (concatenated base64)
      acc = (acc << 6) | static_cast<std::uint32_t>(v);
      if (++n == 4) {
        o = put_triple(o, acc);
        acc = 0;
        n = 0;
      }
    }
    // A truncated last quantum: as many whole bytes as it carries.
    if (n == 2) {
      *o++ = static_cast<char>((acc >> 4) & 0xff);
    } else if (n == 3) {
      *o++ = static_cast<char>((acc >> 10) & 0xff);
      *o++ = static_cast<char>((acc >> 2) & 0xff);
    } else if (n == 1) {
      r.malformed = true;
    }
    if (n != 0 && !padded) r.malformed = true;
    return o;
  });
  return r;
}

decode_result decode_transfer(std::string_view in, transfer_encoding e) {
  switch (e) {
    case transfer_encoding::quoted_printable: return decode_quoted_printable(in);
    case transfer_encoding::base64: return decode_base64(in);
    case transfer_encoding::unknown: return {std::string(in), true};
    default: return {std::string(in), false};
  }
}

std::string encode_quoted_printable(std::string_view in, std::string_view newline) {
  const std::size_t nl = newline.size();
  // Per input byte at most max(3, nl) characters, plus a soft break ('=' + newline)
  // at most every 24 bytes (a line holds at least 25 units of up to 3 characters),
  // plus one: units are stored four bytes at a time.
  const std::size_t bound = in.size() * std::max<std::size_t>(3, nl) + (in.size() / 24 + 2) * (nl + 1) + 1;
  return written(bound, [&](char* o) {
    // Line by line: a line ends at LF or CRLF (a lone CR is data); the last may have no end.
    for (std::size_t pos = 0; pos < in.size();) {
      const void* lf = std::memchr(in.data() + pos, '\n', in.size() - pos);
      const std::size_t end = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - in.data()) : in.size();
      const std::size_t content_end = (lf && end > pos && in[end - 1] == '\r') ? end - 1 : end;
      o = qp_line(in.substr(pos, content_end - pos), newline, o);
      if (!lf) break;
      o = put(o, newline);
      pos = end + 1;
    }
    return o;
  });
}

std::string encode_base64(std::string_view in, std::string_view newline) {
  const std::size_t quanta = (in.size() + 2) / 3;
  return written(quanta * 4 + (quanta * 4 / b64_line_chars + 1) * newline.size(), [&](char* o) {
    for (std::size_t line = 0; line < in.size(); line += b64_line_bytes) {
      if (line != 0) o = put(o, newline);
      o = base64_line(in.substr(line, b64_line_bytes), o);
    }
    return o;
  });
}

}  // namespace kizuna::mime
