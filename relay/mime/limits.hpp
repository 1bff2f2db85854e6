// Limits of the MIME parser (DESIGN.md "Limits the Postfix way"): each is named
// once, with its default and bounds. Past a limit the parser never fails: it
// records a defect (message.hpp) and keeps the bytes, so the message still
// round-trips byte for byte; the relay decides whether such a message is relayed.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kizuna::mime {

struct parse_limits {
  // Multipart nesting (the message itself is depth 0). A multipart at this depth
  // is kept as one opaque leaf. (1..256)
  std::size_t max_depth = 32;
  // Parts in the tree, the message itself included; the rest of a multipart past
  // it is not split into parts. (1..1000000)
  std::size_t max_parts = 10000;
  // One header field, continuation lines included; the value is truncated past it
  // (the raw bytes are kept). (1000..1048576)
  std::size_t max_field_bytes = 64 * 1024;
  // Fields recorded per header block; further fields are kept as bytes only. (1..100000)
  std::size_t max_fields = 1000;
  // Boundary parameter length (RFC 2046 §5.1.1: 1..70); a longer one makes the
  // multipart opaque. (70..1000)
  std::size_t max_boundary = 70;
};

// What the parser met and tolerated; part::defects and message::defects() are
// bit sets of these.
namespace defect {
inline constexpr std::uint32_t no_header_separator = 1u << 0;    // header block ended by a non-header line
inline constexpr std::uint32_t field_too_long = 1u << 1;         // a field past max_field_bytes
inline constexpr std::uint32_t too_many_fields = 1u << 2;        // fields past max_fields not recorded
inline constexpr std::uint32_t missing_boundary = 1u << 3;       // multipart without boundary: opaque
inline constexpr std::uint32_t boundary_too_long = 1u << 4;      // boundary past max_boundary: opaque
inline constexpr std::uint32_t missing_close_boundary = 1u << 5; // multipart ends without "--boundary--"
inline constexpr std::uint32_t depth_exceeded = 1u << 6;         // multipart at max_depth: opaque
inline constexpr std::uint32_t too_many_parts = 1u << 7;         // rest of a multipart not split
inline constexpr std::uint32_t eight_bit_header = 1u << 8;       // bytes >= 0x80 in a header block
inline constexpr std::uint32_t bare_lf = 1u << 9;                // a line ended by LF without CR
}  // namespace defect

}  // namespace kizuna::mime
