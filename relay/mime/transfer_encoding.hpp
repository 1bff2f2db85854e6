// Content-Transfer-Encoding codecs (RFC 2045 §6). Decoders are lenient, as mail
// in the wild needs: quoted-printable keeps a '=' that starts no valid escape,
// base64 skips bytes outside its alphabet and decodes a truncated last quantum as
// far as it goes; `malformed` says that something was tolerated. Encoders follow
// the RFC strictly: quoted-printable lines of at most 76 characters (soft breaks
// '=' included, trailing space/tab encoded, and a '-' that would begin a line
// with "--" written =2D so that no encoded line can be a multipart delimiter),
// base64 lines of 76 characters (its alphabet has no '-').
// 7bit/8bit/binary are the identity. Nothing here throws on any input.
#pragma once

#include <string>
#include <string_view>

namespace kizuna::mime {

enum class transfer_encoding { seven_bit, eight_bit, binary, quoted_printable, base64, unknown };

// From a Content-Transfer-Encoding value ("Base64", "quoted-printable (comment)"...);
// absent or empty means 7bit (RFC 2045 §6.1).
transfer_encoding parse_transfer_encoding(std::string_view value) noexcept;
// The canonical token: "7bit", "8bit", "binary", "quoted-printable", "base64"
// ("" for unknown).
std::string_view transfer_encoding_name(transfer_encoding e) noexcept;

struct decode_result {
  std::string data;
  bool malformed = false;
};

// Hard line breaks are kept as they are in the input (CRLF or LF).
decode_result decode_quoted_printable(std::string_view in);
decode_result decode_base64(std::string_view in);
// Identity for 7bit/8bit/binary; unknown encodings are returned as is with malformed set.
decode_result decode_transfer(std::string_view in, transfer_encoding e);

// `in` is text whose line breaks are "\n" or "\r\n"; they become `newline` hard
// breaks. Every other CR, control byte and byte >= 0x80 is escaped, and so is
// the first '-' of a line (after a hard or soft break) that starts with "--".
std::string encode_quoted_printable(std::string_view in, std::string_view newline = "\r\n");
// Lines of 76 characters separated (not terminated) by `newline`.
std::string encode_base64(std::string_view in, std::string_view newline = "\r\n");

}  // namespace kizuna::mime
