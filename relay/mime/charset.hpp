// Charsets: conversion to UTF-8 and back through glibc iconv, wrapped in an RAII
// converter with a fixed 4 KiB staging buffer and a cap on the output (4 bytes
// per input byte + 64: enough for any conversion to or from UTF-8, escape
// sequences included), so no input makes it allocate without bound.
//
// Japanese charsets follow what mail readers do (the WHATWG Encoding Standard):
//   Shift_JIS and its aliases (CP932, Windows-31J, MS_Kanji) -> CP932 both ways;
//   EUC-JP -> EUC-JP-MS both ways (same mappings as CP932: 0xA1C1 is U+FF5E);
//   ISO-2022-JP (also -1/-2/-3 and CP50220/1/2 labels) is decoded by our own
//   state machine through CP932, so NEC row 13 (①, №...) and half-width kana
//   (ESC ( I, SO/SI) of CP5022x senders decode; escapes beyond RFC 1468 fall back
//   to glibc ISO-2022-JP-2/-3. It is encoded as JIS X 0208 rows 1-84 (row 13
//   included, as CP50220 and the WHATWG encoder do) with ESC $ B / ESC ( B,
//   back to ASCII before every line end (RFC 1468).
// Decoding is lenient: an undecodable byte becomes U+FFFD and `lossy` is set.
// Encoding is strict: a character the charset cannot represent is
// charset_error::unrepresentable (the caller then uses UTF-8).
// A label with characters outside [A-Za-z0-9._:+-] or longer than 40 is unknown
// (so "UTF-8//TRANSLIT" cannot change iconv's behaviour).
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::mime {

enum class charset_error {
  unknown_charset,  // not a charset label iconv knows
  invalid_input,    // the input is not valid in its own charset (encoding from bad UTF-8)
  unrepresentable,  // a character has no representation in the target charset
  too_large,        // the output would pass the cap
};
std::string_view to_string(charset_error e) noexcept;

enum class charset_family { us_ascii, utf8, iso_2022_jp, shift_jis, euc_jp, iso_8859_1, other };
charset_family classify_charset(std::string_view label) noexcept;  // "" is us-ascii (RFC 2045 §5.2)
bool is_valid_charset_label(std::string_view label) noexcept;

class iconv_converter {
 public:
  enum class status { ok, invalid, incomplete, too_large };
  struct result {
    status st = status::ok;
    std::size_t consumed = 0;  // input bytes converted before stopping
  };

  // nullopt when iconv cannot convert between the two (or a name is not a valid label).
  static std::optional<iconv_converter> open(std::string_view to, std::string_view from);

  iconv_converter(iconv_converter&& other) noexcept;
  iconv_converter& operator=(iconv_converter&& other) noexcept;
  iconv_converter(const iconv_converter&) = delete;
  iconv_converter& operator=(const iconv_converter&) = delete;
  ~iconv_converter();

  // Appends the conversion of `in` to `out`; stops at the first invalid or
  // incomplete sequence, or before `out` would grow past max_out.
  result convert(std::string_view in, std::string& out, std::size_t max_out);
  // Lenient (to UTF-8 only): an invalid byte or truncated tail becomes U+FFFD.
  // False only when the output would pass max_out.
  bool convert_lenient(std::string_view in, std::string& out, std::size_t max_out, bool& lossy);
  // Appends the sequence returning a stateful encoding to its initial shift state.
  bool finish(std::string& out, std::size_t max_out);
  void reset() noexcept;

 private:
  explicit iconv_converter(void* cd) noexcept : cd_(cd) {}
  void* cd_;  // iconv_t; <iconv.h> stays in charset.cpp
};

struct utf8_text {
  std::string text;
  bool lossy = false;  // some bytes could not be decoded and became U+FFFD
};

// Output cap used by the conversions below for an input of `n` bytes.
constexpr std::size_t conversion_cap(std::size_t n) noexcept { return n * 4 + 64; }

std::expected<utf8_text, charset_error> to_utf8(std::string_view bytes, std::string_view charset);
std::expected<std::string, charset_error> from_utf8(std::string_view utf8, std::string_view charset);

// Each byte that does not start a well-formed UTF-8 sequence becomes U+FFFD.
utf8_text sanitize_utf8(std::string_view s);

inline constexpr std::string_view replacement_character = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace kizuna::mime
