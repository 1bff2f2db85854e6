// Text parts as personalization sees them: read a text/* part's body as UTF-8
// (transfer encoding, then charset), and turn new UTF-8 text back into a body
// for that part plus the header values that must change with it.
//
// Re-encoding keeps what it can: the part's charset when the text is
// representable in it, else UTF-8 (and Content-Type's charset is updated);
// quoted-printable and base64 stay; 7bit stays when the new bytes are 7-bit
// with lines of at most 998 octets (RFC 5322 §2.1.1), no NUL or bare CR, and no
// line starting with "--" + the boundary of any multipart of the message;
// 8bit/binary stay when the lines fit likewise and keep_8bit allows it;
// otherwise the body becomes quoted-printable. So new text never changes the
// part tree: no encoded body holds a line a parser could take for a delimiter
// (quoted-printable writes a line-initial "--" as "=2D-", base64 has no '-').
// Text uses "\n" line breaks in both directions ("\r\n" is accepted on input);
// bodies use the message's line end (base64 encodes CRLF, the canonical form).
// Errors are data (text_error); nothing throws on any input.
#pragma once

#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/message.hpp"

namespace kizuna::mime {

enum class text_error {
  not_text,                   // not a text/* leaf
  unknown_transfer_encoding,  // Content-Transfer-Encoding we cannot decode (x-uuencode...)
  unknown_charset,            // a charset iconv does not know
  too_large,                  // a conversion passed its output cap
  invalid_utf8,               // the new text given to encode_text is not UTF-8
};
std::string_view to_string(text_error e) noexcept;

struct text_content {
  std::string utf8;              // "\n" line breaks
  std::string charset;           // the part's charset parameter as written ("" when absent)
  bool lossy = false;            // undecodable bytes became U+FFFD
  bool damaged_encoding = false; // the transfer encoding was malformed (e.g. truncated base64)
};

std::expected<text_content, text_error> read_text(const message& m, part_id id);

struct encode_options {
  bool keep_8bit = true;  // an 8bit part stays 8bit; false: non-ASCII bytes go quoted-printable
  bool known_utf8 = false;  // the caller knows the text is well-formed UTF-8: not scanned again
};

struct encoded_text {
  std::string body;                   // no line end added after the last line
  std::string charset;                // the charset label of the body
  transfer_encoding encoding = transfer_encoding::seven_bit;
  bool charset_fallback = false;      // the part's charset could not represent the text: UTF-8
  std::optional<std::string> content_type;               // new Content-Type value, if it changes
  std::optional<std::string> content_transfer_encoding;  // new value, if it changes
};

std::expected<encoded_text, text_error> encode_text(const message& m, part_id id, std::string_view utf8,
                                                    const encode_options& options = {});

// text/plain and text/html leaves that are not attachments, in pre-order.
std::vector<part_id> personalizable_parts(const message& m);

}  // namespace kizuna::mime
