// Base64 (RFC 4648 §4) and its URL- and filename-safe variant (§5), strict:
// decoding refuses characters outside the alphabet, wrong lengths, misplaced or
// (when not allowed) any '=' padding, and non-canonical encodings (the unused
// low bits of the last character must be zero), so one byte string has exactly
// one accepted text. Used for unsubscribe tokens (URL-safe, no padding) and for
// secret key files. Pure; no allocation beyond the result.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kizuna {

enum class base64_alphabet { standard, url };  // "+/" or "-_" for the last two digits

// With `pad`, the output length is a multiple of 4 ('=' fills); without, the
// trailing '=' are left out (RFC 4648 §3.2, as in URLs and JWTs).
std::string base64_encode(std::string_view bytes, base64_alphabet alphabet = base64_alphabet::standard,
                          bool pad = true);

// Accepts the text with its padding, or without any when `padding_optional`
// (a length of 4n+1 is never valid). nullopt when it is not canonical base64
// of `alphabet`.
std::optional<std::string> base64_decode(std::string_view text, base64_alphabet alphabet = base64_alphabet::standard,
                                         bool padding_optional = false);

}  // namespace kizuna
