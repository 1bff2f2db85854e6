#include "relay/core/base64.hpp"

#include <array>
#include <cstdint>

namespace kizuna {
namespace {

constexpr std::string_view standard_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view url_digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::array<int8_t, 256> decoding_table(std::string_view digits) {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < digits.size(); ++i) t[static_cast<unsigned char>(digits[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr auto standard_values = decoding_table(standard_digits);
constexpr auto url_values = decoding_table(url_digits);

}  // namespace

std::string base64_encode(std::string_view bytes, base64_alphabet alphabet, bool pad) {
  const std::string_view digits = alphabet == base64_alphabet::url ? url_digits : standard_digits;
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = uint32_t(uint8_t(bytes[i])) << 16 | uint32_t(uint8_t(bytes[i + 1])) << 8 | uint8_t(bytes[i + 2]);
    for (int shift : {18, 12, 6, 0}) out += digits[(v >> shift) & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
    if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
    out += digits[(v >> 18) & 63];
    out += digits[(v >> 12) & 63];
    if (rest == 2) out += digits[(v >> 6) & 63];
    if (pad) out.append(3 - rest, '=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text, base64_alphabet alphabet, bool padding_optional) {
  const auto& values = alphabet == base64_alphabet::url ? url_values : standard_values;
  // Strip the padding, checking it makes the length a multiple of 4.
  std::size_t pad = 0;
  while (pad < 2 && pad < text.size() && text[text.size() - 1 - pad] == '=') ++pad;
  const std::string_view data = text.substr(0, text.size() - pad);
  if (pad > 0 ? text.size() % 4 != 0 : (!padding_optional && text.size() % 4 != 0)) return std::nullopt;
  const std::size_t tail = data.size() % 4;  // digits in the last, partial group
  if (tail == 1) return std::nullopt;
  if (pad > 0 && pad != 4 - tail) return std::nullopt;

  std::string out;
  out.reserve(data.size() / 4 * 3 + 2);
  uint32_t v = 0;
  std::size_t n = 0;
  for (char c : data) {
    const int d = values[static_cast<unsigned char>(c)];
    if (d < 0) return std::nullopt;  // also a '=' before the end
    v = v << 6 | uint32_t(d);
    if (++n == 4) {
      out += char(v >> 16);
      out += char((v >> 8) & 0xFF);
      out += char(v & 0xFF);
      v = 0;
      n = 0;
    }
  }
  // Canonical only: the bits of the last digit that carry no data must be zero.
  if (tail == 2) {
    if (v & 0x0F) return std::nullopt;
    out += char(v >> 4);
  } else if (tail == 3) {
    if (v & 0x03) return std::nullopt;
    out += char(v >> 10);
    out += char((v >> 2) & 0xFF);
  }
  return out;
}

}  // namespace kizuna
