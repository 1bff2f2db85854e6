// RFC 2047 encoded-words in header values.
//
// Decoding is lenient, as real mail needs: B and Q, any charset charset.hpp
// knows (an RFC 2231 language suffix "UTF-8*ja" is ignored), encoded-words
// adjacent to text are decoded too, whitespace between two encoded-words is
// dropped, and adjacent encoded-words in the same charset are joined before
// conversion (senders split multi-byte characters and ISO-2022-JP runs across
// words). An encoded-word whose charset is unknown stays as written. Text outside
// encoded-words: UTF-8 stays, raw ISO-2022-JP (ESC $ B ...) is decoded, other
// 8-bit bytes are read in `fallback_charset` if given, else become U+FFFD.
//
// Encoding: CR, LF and NUL are removed (a value can never inject a field); a value
// of printable ASCII words, none longer than 75 characters and no "=?", is kept as
// is and folded at spaces; anything else becomes B encoded-words in UTF-8, each at
// most 75 characters, one per line, lines at most 78 characters, never splitting a
// UTF-8 character.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kizuna::mime {

inline constexpr std::size_t max_encoded_word = 75;  // RFC 2047 §2
inline constexpr std::size_t max_header_line = 78;   // RFC 5322 §2.1.1 (SHOULD)

// `value` is an unfolded field value; the result is UTF-8.
std::string decode_header_value(std::string_view value, std::string_view fallback_charset = {});

// An unstructured value (Subject...) for the field `name_length` characters long:
// the first line is "Name: " + the first part of the result. Folds use `newline`.
std::string encode_header_value(std::string_view utf8, std::size_t name_length, std::string_view newline = "\r\n");

// A mailbox for From/Reply-To/To: `display_name <address>`, the name as atoms, a
// quoted-string or encoded-words as needed; just the address when the name is
// empty. CR/LF/NUL and '<' '>' are removed from the address.
std::string format_mailbox(std::string_view display_name, std::string_view address, std::size_t name_length,
                           std::string_view newline = "\r\n");

}  // namespace kizuna::mime
