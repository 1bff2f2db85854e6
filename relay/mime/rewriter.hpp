// Re-emits a parsed message with some header fields and part bodies replaced,
// copying every other byte verbatim from the original (so with no edits the
// output is the input, byte for byte). One rewriter per rendered copy; it holds
// a pointer to the message, which must outlive it.
//
// Header edits apply to one part's header block (part 0 is the message's top
// level): set_header replaces the first field of that name in place and removes
// the others of that name, or appends the field at the end of the block; new
// fields use the message's line end. A value must already be in wire form
// (encode_header_value, format_mailbox, format_content_type): a CR or LF not
// starting a fold (line end + space/tab), a NUL, or a bad field name is refused
// (false), so no value can inject a field. Fields past parse_limits::max_fields
// are not seen (the message carries defect::too_many_fields).
// Body edits apply to leaves only (a multipart's body is its children).
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

#include "relay/mime/message.hpp"
#include "relay/mime/text_part.hpp"

namespace kizuna::mime {

class rewriter {
 public:
  explicit rewriter(const message& m) noexcept : m_(&m) {}

  bool set_header(part_id id, std::string_view name, std::string_view value);
  bool add_header(part_id id, std::string_view name, std::string_view value);
  // An unstructured value from UTF-8 (RFC 2047-encoded and folded as needed).
  bool set_header_text(part_id id, std::string_view name, std::string_view utf8);
  void remove_header(part_id id, std::string_view name);
  void remove_headers_with_prefix(part_id id, std::string_view prefix);  // e.g. "X-Kizuna-"

  // A leaf's body, in wire form (transfer-encoded, the message's line ends).
  bool replace_body(part_id id, std::string body);
  // Body plus Content-Type / Content-Transfer-Encoding (and MIME-Version at the top
  // level when a single-part message gains MIME fields).
  bool apply(part_id id, encoded_text text);
  // encode_text + apply.
  std::expected<void, text_error> replace_text(part_id id, std::string_view utf8, const encode_options& options = {});

  std::string render() const;
  void render_to(std::string& out) const;  // appends

 private:
  struct field_edit {
    part_id part;
    std::size_t field;
    std::string text;  // the whole field with its line end; empty: removed
  };
  struct insertion {
    part_id part;
    std::string name;
    std::string text;
  };
  struct body_edit {
    part_id part;
    std::string body;
  };

  bool valid(part_id id, std::string_view name, std::string_view value) const noexcept;
  std::string field_text(std::string_view name, std::string_view value) const;
  void edit_field(part_id id, std::size_t field, std::string text);
  template <class Matches>
  void remove_fields_if(part_id id, Matches matches);

  const message* m_;
  std::vector<field_edit> fields_;
  std::vector<insertion> insertions_;
  std::vector<body_edit> bodies_;
};

}  // namespace kizuna::mime
