// A whole message as a merge-field template (SPEC §7, DESIGN "compile once,
// render many"): compile_message() parses the MIME message once
// (mime::message), compiles the Subject (RFC 2047-decoded, header context) and
// every personalizable text/plain (text context) and text/html (html context)
// part's decoded UTF-8 text; render_copy() fills the slots for one recipient,
// re-encodes the changed parts and Subject, sets the per-copy headers and copies
// every other byte verbatim through mime::rewriter. No re-parsing per copy.
//
// A Subject or part without slots is not compiled and comes out byte for byte.
// A part whose text cannot be read (unknown charset or transfer encoding) is
// left untouched, unless its raw body shows a "{{" (then compile fails: the
// caller holds the message rather than relay unfilled fields).
//
// Values can never inject a header (header escaping drops CR/LF, the rewriter
// refuses a value that would start a field) nor markup (HTML escaping, URL
// encoding inside href & co.).
#pragma once

#include "relay/mime/message.hpp"
#include "relay/personalize/part_cache.hpp"
#include "relay/personalize/render.hpp"
#include "relay/personalize/template.hpp"

#include <cstddef>
#include <expected>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kizuna::personalize {

// Footers (SPEC §6 merge.footer, templates themselves) become part of the body
// they are added to: the text footer ends the first text/plain part after a
// blank line, the HTML footer goes before the first text/html part's last
// </body> (or at its end). Empty: none. Parts that cannot be read get none.
// `cache`, when given, serves parts already compiled for an earlier message
// with the same body (and keeps new ones).
struct compile_options {
  std::string_view footer_text;
  std::string_view footer_html;
  part_cache* cache = nullptr;
};

class message_template {
 public:
  struct compiled_part {
    mime::part_id id = 0;
    std::shared_ptr<const compiled_template> text;  // never null; shared with the part cache
  };

  const mime::message& message() const noexcept { return message_; }
  // The compiled Subject (only when it has slots).
  const std::optional<compiled_template>& subject() const noexcept { return subject_; }
  // Compiled text parts (only those with slots), in pre-order.
  const std::vector<compiled_part>& parts() const noexcept { return parts_; }
  bool has_slots() const noexcept { return subject_.has_value() || !parts_.empty(); }
  // Some part's text (its own or a footer) has an {{unsubscribe_url}} slot:
  // the copy shows a visible unsubscribe link.
  bool shows_unsubscribe_url() const noexcept { return shows_unsubscribe_url_; }
  // Union of every slot's full name ("contact.last_name", "unsubscribe_url"...),
  // in order of first appearance (Subject first, then the parts).
  const std::vector<std::string>& field_names() const noexcept { return field_names_; }

 private:
  explicit message_template(mime::message m) : message_(std::move(m)) {}
  friend std::expected<message_template, std::string> compile_message(std::string message_bytes,
                                                                      const compile_options& options);

  mime::message message_;
  std::optional<compiled_template> subject_;
  std::vector<compiled_part> parts_;
  std::vector<std::string> field_names_;
  bool shows_unsubscribe_url_ = false;
};

// `message_bytes`: the message as received (dot-stuffing removed). The error
// names what failed: "Subject: line 1, column 3 (byte 2): ..." or
// "part 2 (text/html): ...".
std::expected<message_template, std::string> compile_message(std::string message_bytes,
                                                             const compile_options& options = {});

// The slot names with no value for this recipient (what render_copy() would
// list in `missing`), in first-seen order; renders nothing.
std::vector<std::string> missing_fields(const message_template& t, const value_source& values);

struct copy_headers {
  std::string to;          // the recipient's address; To becomes exactly this one mailbox
  std::string message_id;  // "<...>"; replaces Message-ID
  std::optional<std::string> from_display;  // From's display name (RFC 2047-encoded as needed)
  std::optional<std::string> from_address;  // replaces From when given
  std::optional<std::string> reply_to;      // replaces Reply-To when given (an address)
  std::vector<std::pair<std::string, std::string>> set;  // replace any of that name (wire form)
  std::vector<std::pair<std::string, std::string>> add;  // appended as written (wire form)
  bool strip_control = true;                             // remove every X-Kizuna-* field
  std::vector<std::string> remove;                       // names of top-level fields to leave out
};

struct rendered_copy {
  std::string bytes;
  std::vector<std::string> missing;  // distinct slot names with no value, in first-seen order
  bool reencoded_utf8 = false;       // a part's charset could not hold its values: now UTF-8
  // Header fields the rewriter refused (a CR/LF/NUL that would start a new field,
  // a bad field name) and so left out; empty for well-formed copy_headers.
  std::vector<std::string> refused_headers;
  // Non-empty when a part could not be re-encoded (e.g. past the conversion cap):
  // the copy is incomplete and must not be sent. Values that are not UTF-8 are
  // not an error: their bad bytes become U+FFFD.
  std::string error;
};

rendered_copy render_copy(const message_template& t, const value_source& values, const copy_headers& headers);

}  // namespace kizuna::personalize
