// A message parsed once into a tree of parts that keeps exact byte ranges
// ("compile once, render many", DESIGN.md): the rewriter (rewriter.hpp) copies
// every byte it is not told to change, so untouched parts, attachments and their
// headers come out byte for byte.
//
// Input: the message as plain bytes (the SMTP layer has removed dot-stuffing),
// lines ending in CRLF or a bare LF. Parts are stored in pre-order (parts()[0] is
// the message itself, children follow their parent, as Python's walk() orders
// them); a part id is its index.
//
// Multipart (RFC 2046 §5.1): delimiter lines are "--boundary" then optional "--"
// and optional space/tab; the line end before a delimiter belongs to it, so a
// part's body ends before that line end. A delimiter of an enclosing multipart
// also ends an inner part whose own close delimiter is missing. message/rfc822
// parts are leaves (forwarded mail is an attachment; personalization never
// enters it). multipart/digest children default to message/rfc822.
//
// Errors: none. parse() never fails and never throws on any input (only
// std::bad_alloc); what it tolerated is in the defect bits (limits.hpp):
//   missing close boundary    -> the last part extends to the end of its parent
//                                (at the end of the input: up to its last line end);
//   no or too long boundary   -> the multipart is one opaque leaf;
//   nesting past max_depth    -> the deeper multipart is one opaque leaf;
//   more than max_parts parts -> the rest of that multipart is not split.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/content_type.hpp"
#include "relay/mime/header.hpp"
#include "relay/mime/limits.hpp"
#include "relay/mime/transfer_encoding.hpp"

namespace kizuna::mime {

using part_id = std::size_t;
inline constexpr part_id no_part = std::numeric_limits<part_id>::max();

struct part {
  part_id parent = no_part;
  std::size_t depth = 0;             // the message is 0
  byte_range header;                 // its fields, without the empty separator line
  byte_range body;                   // after the separator up to the line end before the next delimiter
  bool has_separator = false;        // the header block ended with an empty line
  std::vector<header_field> fields;
  content_type type;                 // text/plain when absent or invalid
  transfer_encoding encoding = transfer_encoding::seven_bit;
  std::optional<content_disposition> disposition;

  // Multipart only (is_multipart() is false for opaque multiparts):
  std::string boundary;
  byte_range preamble;
  byte_range epilogue;               // after the close delimiter line
  std::vector<part_id> children;

  std::uint32_t defects = 0;         // defect:: bits met while parsing this part

  bool is_multipart() const noexcept { return !boundary.empty(); }
  const header_field* field(std::string_view name) const noexcept { return find_field(fields, name); }
  // text/plain or text/html, not an attachment: what personalization rewrites.
  bool is_personalizable_text() const noexcept;
};

class message {
 public:
  static message parse(std::string bytes, const parse_limits& limits = {});

  std::string_view bytes() const noexcept { return bytes_; }
  std::string_view slice(byte_range r) const noexcept { return std::string_view(bytes_).substr(r.begin, r.size()); }
  std::span<const part> parts() const noexcept { return parts_; }
  const part& root() const noexcept { return parts_.front(); }
  const part& at(part_id id) const noexcept { return parts_[id]; }
  // The line end new text should use: that of the first line ("\r\n" unless it is a bare LF).
  std::string_view newline() const noexcept { return newline_; }
  std::uint32_t defects() const noexcept { return defects_; }  // union over the parts
  bool has_defect(std::uint32_t d) const noexcept { return (defects_ & d) != 0; }

 private:
  message() = default;
  friend class message_parser;
  std::string bytes_;
  std::vector<part> parts_;
  std::string_view newline_ = "\r\n";
  std::uint32_t defects_ = 0;
};

}  // namespace kizuna::mime
