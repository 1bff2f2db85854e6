#include "relay/mime/transfer_encoding.hpp"

#include <algorithm>
#include <array>
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

decode_result decode_quoted_printable(std::string_view in) {
  decode_result r;
  r.data.resize(in.size());  // decoding never grows
  char* const start = r.data.data();
  char* o = start;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const detail::line l = detail::line_at(in, pos);
    std::string_view text = in.substr(l.begin, l.size());
    // Transport padding: trailing whitespace is not part of the data (rule 3).
    while (!text.empty() && detail::is_wsp(text.back())) text.remove_suffix(1);
    bool soft = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c != '=') {
        *o++ = c;
        continue;
      }
      if (i + 1 == text.size()) {  // "=" at the end: soft line break
        soft = true;
        break;
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        *o++ = static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
      r.malformed = true;  // keep the '=' as a literal (RFC 2045 §6.7 note 2)
      *o++ = '=';
    }
    if (!soft) {  // the hard line break as written
      std::memcpy(o, in.data() + l.end, l.next - l.end);
      o += l.next - l.end;
    }
    pos = l.next;
  }
  r.data.resize(static_cast<std::size_t>(o - start));
  return r;
}

decode_result decode_base64(std::string_view in) {
  decode_result r;
  r.data.resize(in.size() / 4 * 3 + 3);
  char* const start = r.data.data();
  char* o = start;
  std::uint32_t acc = 0;
  int n = 0;
  bool padded = false;
  for (const char c : in) {
    const std::int8_t v = b64_values[static_cast<unsigned char>(c)];
    if (v < 0) {
      if (c == '=') padded = true;
      else if (c != '\r' && c != '\n' && c != ' ' && c != '\t') r.malformed = true;
      continue;
    }
    if (padded) r.malformed = true;  // data after padding: keep decoding (concatenated base64)
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    if (++n == 4) {
      o[0] = static_cast<char>((acc >> 16) & 0xff);
      o[1] = static_cast<char>((acc >> 8) & 0xff);
      o[2] = static_cast<char>(acc & 0xff);
      o += 3;
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
  r.data.resize(static_cast<std::size_t>(o - start));
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

// The encoders and decoders write through a pointer into a buffer sized for the
// worst case, then trim: bodies are tens of kilobytes, encoded once per copy.

std::string encode_quoted_printable(std::string_view in, std::string_view newline) {
  constexpr std::size_t max_line = 76;
  const std::size_t nl = newline.size();
  // Per input byte at most max(3, nl) characters, plus a soft break ('=' + newline)
  // at most every 24 bytes (a line holds at least 25 units of up to 3 characters).
  std::string out(in.size() * std::max<std::size_t>(3, nl) + (in.size() / 24 + 2) * (nl + 1), '\0');
  char* const start = out.data();
  char* o = start;
  std::size_t col = 0;
  auto put_newline = [&] {
    std::memcpy(o, newline.data(), nl);
    o += nl;
    col = 0;
  };
  // One unit: a literal (1) or "=XX" (3). Inside a line a unit must leave room for
  // a soft break's '='; the line's last unit may take that column.
  auto put = [&](unsigned char c, bool literal, std::size_t limit) {
    const std::size_t width = literal ? 1 : 3;
    if (col + width > limit) {
      *o++ = '=';
      put_newline();
    }
    if (literal) {
      *o++ = static_cast<char>(c);
    } else {
      o[0] = '=';
      o[1] = hex_digits[c >> 4];
      o[2] = hex_digits[c & 15];
      o += 3;
    }
    col += width;
  };
  const auto printable = [](unsigned char c) { return c >= 33 && c <= 126 && c != '='; };
  // Line by line: a line ends at LF or CRLF (a lone CR is data); the last may have no end.
  for (std::size_t pos = 0; pos < in.size();) {
    const void* lf = std::memchr(in.data() + pos, '\n', in.size() - pos);
    const std::size_t end = lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - in.data()) : in.size();
    const std::size_t content_end = (lf && end > pos && in[end - 1] == '\r') ? end - 1 : end;
    if (content_end > pos) {
      for (std::size_t i = pos; i + 1 < content_end; ++i) {
        const auto c = static_cast<unsigned char>(in[i]);
        put(c, printable(c) || c == ' ' || c == '\t', max_line - 1);
      }
      const auto last = static_cast<unsigned char>(in[content_end - 1]);
      put(last, printable(last), max_line);  // trailing white space is encoded
    }
    if (!lf) break;
    put_newline();
    pos = end + 1;
  }
  out.resize(static_cast<std::size_t>(o - start));
  return out;
}

std::string encode_base64(std::string_view in, std::string_view newline) {
  constexpr std::size_t line_chars = 76;
  constexpr std::size_t line_bytes = line_chars / 4 * 3;  // 57
  const std::size_t quanta = (in.size() + 2) / 3;
  std::string out(quanta * 4 + (quanta * 4 / line_chars + 1) * newline.size(), '\0');
  char* const start = out.data();
  char* o = start;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  for (std::size_t line = 0; line < in.size(); line += line_bytes) {
    if (line != 0) {
      std::memcpy(o, newline.data(), newline.size());
      o += newline.size();
    }
    const std::size_t end = std::min(in.size(), line + line_bytes);
    std::size_t i = line;
    for (; i + 3 <= end; i += 3) {
      const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
      o[0] = b64_alphabet[(v >> 18) & 63];
      o[1] = b64_alphabet[(v >> 12) & 63];
      o[2] = b64_alphabet[(v >> 6) & 63];
      o[3] = b64_alphabet[v & 63];
      o += 4;
    }
    if (end - i == 1) {
      const std::uint32_t v = byte(i) << 16;
      o[0] = b64_alphabet[(v >> 18) & 63];
      o[1] = b64_alphabet[(v >> 12) & 63];
      o[2] = '=';
      o[3] = '=';
      o += 4;
    } else if (end - i == 2) {
      const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
      o[0] = b64_alphabet[(v >> 18) & 63];
      o[1] = b64_alphabet[(v >> 12) & 63];
      o[2] = b64_alphabet[(v >> 6) & 63];
      o[3] = '=';
      o += 4;
    }
  }
  out.resize(static_cast<std::size_t>(o - start));
  return out;
}

}  // namespace kizuna::mime
