// Content-Type and Content-Disposition values (RFC 2045 §5, RFC 2183) with their
// parameters, RFC 2231 continuations and charsets included.
//
// Parsing is lenient: comments are skipped, a missing ';' between parameters is
// tolerated, an unquoted value runs to the next ';' or space, the first of two
// parameters with one name wins, and an RFC 2231 form (name*=, name*0*=...) wins
// over a plain one (RFC 6266 §4.3). Values of "name" and "filename" are decoded
// to UTF-8 (RFC 2231 charset, else RFC 2047 words or 8-bit text); every other
// parameter (boundary, charset...) keeps its bytes as written. An invalid or
// absent Content-Type is text/plain (RFC 2045 §5.2); `present` says which.
// Limits: at most 256 parameters and continuation sections numbered below 1000
// (bounded anyway by the header field limit).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kizuna::mime {

struct parameter {
  std::string name;       // lower case, without the RFC 2231 "*" marks
  std::string value;      // see above
  bool extended = false;  // written with RFC 2231 syntax
};
using parameter_list = std::vector<parameter>;

const parameter* find_parameter(const parameter_list& params, std::string_view name) noexcept;

struct content_type {
  std::string type = "text";      // lower case
  std::string subtype = "plain";  // lower case
  parameter_list params;
  bool present = false;  // a valid Content-Type field was given

  bool is(std::string_view t, std::string_view s) const noexcept { return type == t && subtype == s; }
  bool is_multipart() const noexcept { return type == "multipart"; }
  std::string_view param(std::string_view name) const noexcept;  // "" when absent
  std::string mime_type() const { return type + '/' + subtype; }
};

struct content_disposition {
  std::string type;  // lower case: "inline", "attachment", ...
  parameter_list params;
  std::string_view param(std::string_view name) const noexcept;
  bool is_attachment() const noexcept { return type == "attachment"; }
};

content_type parse_content_type(std::string_view value);
content_disposition parse_content_disposition(std::string_view value);
parameter_list parse_parameters(std::string_view text);  // "; a=b; c*=..." (leading ';' optional)

// "type/subtype; a=b; c=\"d e\"" for a field `name_length` characters long,
// folded before a parameter that would pass 78 columns; non-ASCII values are
// written as RFC 2231 UTF-8 (name*=UTF-8''...).
std::string format_content_type(const content_type& ct, std::size_t name_length = 12,
                                std::string_view newline = "\r\n");

}  // namespace kizuna::mime
