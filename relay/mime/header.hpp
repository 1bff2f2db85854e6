// Header blocks (RFC 5322 §2.2, RFC 2045 §3) as the MIME parser sees them: each
// field keeps its exact byte range (name, colon, value, continuation lines and
// the final line end) so a writer can copy it verbatim, plus its name and its
// unfolded value. Values stay raw octets: RFC 2047 decoding is encoded_word.hpp.
//
// A header block ends at an empty line (the separator), at a line that is not a
// field (no colon, bad field name, continuation with nothing to continue: the
// body starts there, defect::no_header_separator), at a multipart delimiter
// line, or at the end of the input. Lines end in CRLF or a bare LF.
// Limits (limits.hpp): a field past max_field_bytes keeps its bytes but its value
// is truncated (defect::field_too_long); fields past max_fields are not recorded
// (defect::too_many_fields). 8-bit bytes are accepted (defect::eight_bit_header).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/limits.hpp"

namespace kizuna::mime {

// Offsets into the message bytes, [begin, end).
struct byte_range {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::size_t size() const noexcept { return end - begin; }
  bool empty() const noexcept { return end == begin; }
  friend bool operator==(const byte_range&, const byte_range&) = default;
};

struct header_field {
  byte_range raw;        // the whole field, line end included
  std::string name;      // as written, whitespace before the colon removed
  std::string value;     // unfolded (line ends removed), surrounding space/tab trimmed
  bool truncated = false;
};

struct header_block {
  std::vector<header_field> fields;
  byte_range range;            // the fields, up to (not including) the separator line
  std::size_t body_begin = 0;  // first byte after the separator (== range.end without one)
  bool separator = false;      // ended by an empty line
  std::uint32_t defects = 0;
};

// Stops the header block at a line for which stop(ctx, begin, end) is true
// (the multipart parser passes its delimiter test); nullptr: never.
using line_predicate = bool (*)(const void* ctx, std::size_t line_begin, std::size_t line_end);

header_block parse_header_block(std::string_view bytes, std::size_t start, const parse_limits& limits = {},
                                line_predicate stop = nullptr, const void* ctx = nullptr);

// First field with that name (ASCII case-insensitive), nullptr if none.
const header_field* find_field(std::span<const header_field> fields, std::string_view name) noexcept;

// A field name per RFC 5322 §3.6.8: printable ASCII except ':'.
bool is_valid_field_name(std::string_view name) noexcept;

}  // namespace kizuna::mime
