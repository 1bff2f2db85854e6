#include "relay/mime/readable.hpp"

#include <fmt/format.h>

#include "relay/core/utf8.hpp"
#include "relay/mime/charset.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/message.hpp"
#include "relay/mime/text_part.hpp"

namespace kizuna::mime {
namespace {

// Valid UTF-8 without C0/C1 controls or DEL but LF and TAB (and no CR).
std::string printable(std::string_view s) {
  const std::string valid = is_valid_utf8(s) ? std::string(s) : sanitize_utf8(s).text;
  std::string out;
  out.reserve(valid.size());
  for (std::size_t i = 0; i < valid.size(); ++i) {
    const auto c = static_cast<unsigned char>(valid[i]);
    if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f && c < 0x80)) {
      out.push_back(valid[i]);
    } else if (c >= 0x80) {
      // U+0080..U+009F (C1 controls) are C2 80..C2 9F in UTF-8.
      if (c == 0xC2 && i + 1 < valid.size() && static_cast<unsigned char>(valid[i + 1]) < 0xA0) {
        out.push_back('?');
        ++i;
      } else {
        out.push_back(valid[i]);
      }
    } else if (c != '\r') {
      out.push_back('?');
    }
  }
  return out;
}

std::string indent(std::size_t depth) { return std::string(2 * depth, ' '); }

}  // namespace

std::string readable_view(std::string_view bytes) {
  const message m = message::parse(std::string(bytes));
  std::string out;
  for (const header_field& f : m.root().fields)
    out += printable(f.name) + ": " + printable(decode_header_value(f.value)) + "\n";
  for (part_id id = 0; id < m.parts().size(); ++id) {
    const part& p = m.at(id);
    const std::string type = printable(p.type.type + "/" + p.type.subtype);
    if (p.is_multipart()) {
      out += fmt::format("{}[part {}: {}]\n", indent(p.depth), id, type);
      continue;
    }
    const std::string_view charset = p.type.param("charset");
    const std::string name = p.disposition ? printable(decode_header_value(std::string(p.disposition->param("filename"))))
                                           : std::string();
    out += fmt::format("{}[part {}: {}{}{}, {}, {} bytes{}]\n", indent(p.depth), id, type,
                       charset.empty() ? "" : "; charset=", printable(charset),
                       transfer_encoding_name(p.encoding), p.body.size(), name.empty() ? "" : ", " + name);
    if (p.type.type != "text" || (p.disposition && p.disposition->is_attachment())) continue;
    auto text = read_text(m, id);
    if (!text) {
      out += fmt::format("(not shown: {})\n", to_string(text.error()));
      continue;
    }
    std::string_view t = text->utf8;
    const bool cut = t.size() > max_readable_text;
    if (cut) t = t.substr(0, utf8_valid_prefix(t.substr(0, max_readable_text)));
    out += printable(t);
    if (!out.ends_with('\n')) out += '\n';
    if (cut) out += fmt::format("(... {} more bytes)\n", text->utf8.size() - t.size());
  }
  return out;
}

}  // namespace kizuna::mime
