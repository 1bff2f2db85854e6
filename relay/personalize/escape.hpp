// Escaping of merge-field values for the place they land in (SPEC §7: "a
// contact field can never inject a header or markup"). The template compiler
// decides one `escaping` per slot; render applies it to every value. The same
// helpers serve the MIME layer (footers, List-Unsubscribe, previews).
//
//   text            text/plain: CR, LF and CRLF become CRLF; NUL, other C0
//                   controls (TAB kept) and DEL are dropped.
//   header          header value: CR, LF, NUL, other C0 controls (TAB kept)
//                   and DEL are dropped, so a value never starts a new header
//                   line. RFC 2047 encoding is the MIME layer's job, later.
//   html_text       HTML text content (and <title>/<textarea>): & < > " ' as
//                   entities; line breaks become CRLF; C0 controls other than
//                   TAB, LF, CR, FF are dropped.
//   html_attribute  a quoted attribute value: same output as html_text, so a
//                   value can never close the quote, the tag or add markup.
//   url             a URL attribute value (href, src, ...: the list is in
//                   template.hpp) that the slot
//                   starts: only http:, https: and mailto: URLs pass (scheme
//                   case-insensitive, after trimming leading/trailing controls
//                   and spaces); anything else, empty included, becomes "#".
//                   Bytes never valid in a URL (controls, space, " < > \ ^ ` {
//                   | }, non-ASCII) are %XX-encoded, then & and ' as entities.
//   url_component   inside a URL attribute value after its start: percent-
//                   encoded (RFC 3986 unreserved ALPHA DIGIT - . _ ~ kept,
//                   every other byte %XX), so it cannot change the scheme,
//                   host or attribute, nor add a query parameter.
//
// All functions are pure and total (no errors): bytes are not UTF-8-checked;
// a multi-byte character is never split except by percent-encoding, which
// encodes each of its bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace kizuna::personalize {

enum class escaping : std::uint8_t { text, header, html_text, html_attribute, url, url_component };

std::string_view to_string(escaping e) noexcept;

// Appends `value` escaped for `e` to `out`; escaped_size() is the exact number
// of bytes it would append (render sizes its output with it, then writes once).
void append_escaped(std::string& out, escaping e, std::string_view value);
std::size_t escaped_size(escaping e, std::string_view value) noexcept;

std::string text_safe(std::string_view value);
std::string header_safe(std::string_view value);
std::string escape_html(std::string_view value);

enum class attribute_quoting : std::uint8_t { quoted, unquoted };
// Quoted: as escape_html. Unquoted: also whitespace, = and ` as numeric
// character references, so the value cannot end the attribute.
std::string escape_attribute(std::string_view value, attribute_quoting q = attribute_quoting::quoted);

std::string percent_encode(std::string_view value);

// The URL itself (not attribute-escaped), minimally %-encoded, or "#" when its
// scheme is not http, https or mailto.
std::string safe_url(std::string_view value);
bool has_allowed_url_scheme(std::string_view value) noexcept;

}  // namespace kizuna::personalize
