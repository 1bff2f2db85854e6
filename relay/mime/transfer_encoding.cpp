#include "relay/mime/transfer_encoding.hpp"

#include <array>
#include <cstdint>

#include "relay/mime/lines.hpp"

namespace kizuna::mime {
namespace {

constexpr char hex_digits[] = "0123456789ABCDEF";
constexpr char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;  // lenient: RFC 2045 wants upper case
  return -1;
}

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
  r.data.reserve(in.size());
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
        r.data.push_back(c);
        continue;
      }
      if (i + 1 == text.size()) {  // "=" at the end: soft line break
        soft = true;
        break;
      }
      const int hi = hex_value(text[i + 1]);
      const int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (hi >= 0 && lo >= 0) {
        r.data.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
      r.malformed = true;  // keep the '=' as a literal (RFC 2045 §6.7 note 2)
      r.data.push_back('=');
    }
    if (!soft) r.data.append(in.substr(l.end, l.next - l.end));  // the hard line break as written
    pos = l.next;
  }
  return r;
}

decode_result decode_base64(std::string_view in) {
  decode_result r;
  r.data.reserve(in.size() / 4 * 3 + 3);
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
      r.data.push_back(static_cast<char>((acc >> 16) & 0xff));
      r.data.push_back(static_cast<char>((acc >> 8) & 0xff));
      r.data.push_back(static_cast<char>(acc & 0xff));
      acc = 0;
      n = 0;
    }
  }
  // A truncated last quantum: as many whole bytes as it carries.
  if (n == 2) {
    r.data.push_back(static_cast<char>((acc >> 4) & 0xff));
  } else if (n == 3) {
    r.data.push_back(static_cast<char>((acc >> 10) & 0xff));
    r.data.push_back(static_cast<char>((acc >> 2) & 0xff));
  } else if (n == 1) {
    r.malformed = true;
  }
  if (n != 0 && !padded) r.malformed = true;
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
  constexpr std::size_t max_line = 76;
  std::string out;
  out.reserve(in.size() + in.size() / 8 + 16);
  std::size_t col = 0;
  // Emits one encoded unit (1 or 3 characters), breaking softly first if needed;
  // `room_after` keeps space for what must stay on this line.
  auto put = [&](std::string_view unit, std::size_t room_after) {
    if (col + unit.size() + room_after > max_line - 1) {  // leave room for the soft '='
      out += '=';
      out += newline;
      col = 0;
    }
    out += unit;
    col += unit.size();
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    const bool line_end = c == '\n' || (c == '\r' && i + 1 < in.size() && in[i + 1] == '\n');
    if (line_end) {
      if (c == '\r') ++i;
      out += newline;
      col = 0;
      continue;
    }
    const bool at_eol = i + 1 == in.size() || in[i + 1] == '\n' ||
                        (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n');
    const bool plain = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !at_eol);
    if (plain) {
      const char s[1] = {static_cast<char>(c)};
      // The last character of a line may take the soft-break column.
      if (at_eol && col + 1 <= max_line) {
        out += s[0];
        ++col;
      } else {
        put(std::string_view(s, 1), 0);
      }
    } else {
      const char s[3] = {'=', hex_digits[c >> 4], hex_digits[c & 15]};
      if (at_eol && col + 3 <= max_line) {
        out.append(s, 3);
        col += 3;
      } else {
        put(std::string_view(s, 3), 0);
      }
    }
  }
  return out;
}

std::string encode_base64(std::string_view in, std::string_view newline) {
  constexpr std::size_t line_chars = 76;
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4 + (in.size() / 57 + 1) * newline.size());
  std::size_t col = 0;
  auto emit = [&](char c) {
    if (col == line_chars) {
      out += newline;
      col = 0;
    }
    out += c;
    ++col;
  };
  std::size_t i = 0;
  const auto byte = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(in[k])); };
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    emit(b64_alphabet[(v >> 18) & 63]);
    emit(b64_alphabet[(v >> 12) & 63]);
    emit(b64_alphabet[(v >> 6) & 63]);
    emit(b64_alphabet[v & 63]);
  }
  if (in.size() - i == 1) {
    const std::uint32_t v = byte(i) << 16;
    emit(b64_alphabet[(v >> 18) & 63]);
    emit(b64_alphabet[(v >> 12) & 63]);
    emit('=');
    emit('=');
  } else if (in.size() - i == 2) {
    const std::uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8);
    emit(b64_alphabet[(v >> 18) & 63]);
    emit(b64_alphabet[(v >> 12) & 63]);
    emit(b64_alphabet[(v >> 6) & 63]);
    emit('=');
  }
  return out;
}

}  // namespace kizuna::mime
