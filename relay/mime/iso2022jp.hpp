// ISO-2022-JP (RFC 1468) through CP932 (internal to charset.cpp; see charset.hpp
// for the mapping choices). JIS X 0208 pairs are shifted arithmetically to
// Shift_JIS and converted by iconv's CP932 table, so both directions share one
// mapping. ESC ( J (JIS X 0201 Roman) is read as ASCII.
#pragma once

#include <expected>
#include <string>
#include <string_view>

#include "relay/mime/charset.hpp"

namespace kizuna::mime::detail {

// True when `in` uses only ESC ( B, ESC ( J, ESC ( I, ESC $ @, ESC $ B, ESC & @ and SO/SI.
bool is_plain_iso2022jp(std::string_view in) noexcept;
std::expected<utf8_text, charset_error> decode_iso2022jp(std::string_view in);
// `utf8` must be well-formed.
std::expected<std::string, charset_error> encode_iso2022jp(std::string_view utf8);

}  // namespace kizuna::mime::detail
