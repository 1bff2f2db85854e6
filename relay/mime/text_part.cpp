#include "relay/mime/text_part.hpp"

#include "relay/core/utf8.hpp"
#include "relay/mime/charset.hpp"

namespace kizuna::mime {
namespace {

constexpr std::size_t max_line_octets = 998;  // RFC 5322 §2.1.1, without CRLF

std::string to_lf(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t pos = 0;
  for (std::size_t at; (at = s.find("\r\n", pos)) != std::string_view::npos; pos = at + 1)
    out.append(s.substr(pos, at - pos));
  out.append(s.substr(pos));
  return out;
}

std::string with_newline(std::string_view lf_text, std::string_view newline) {
  if (newline == "\n") return std::string(lf_text);
  std::string out;
  out.reserve(lf_text.size() + lf_text.size() / 32);
  std::size_t pos = 0;
  for (std::size_t at; (at = lf_text.find('\n', pos)) != std::string_view::npos; pos = at + 1)
    out.append(lf_text.substr(pos, at - pos)).append(newline);
  out.append(lf_text.substr(pos));
  return out;
}

// The boundary of every multipart in the message (opaque ones too), without
// trailing whitespace (Python's email package strips it; a delimiter may carry
// it). A line starting with "--" and one of these could end the part.
std::vector<std::string_view> boundaries_of(const message& m) {
  std::vector<std::string_view> out;
  for (const part& p : m.parts()) {
    if (!p.type.is_multipart()) continue;
    std::string_view b = p.type.param("boundary");
    while (!b.empty() && (b.back() == ' ' || b.back() == '\t')) b.remove_suffix(1);
    out.push_back(b);  // empty: then every "--" line counts
  }
  return out;
}

bool is_delimiter_like(std::string_view line, const std::vector<std::string_view>& boundaries) noexcept {
  if (!line.starts_with("--")) return false;
  line.remove_prefix(2);
  for (std::string_view b : boundaries)
    if (line.starts_with(b)) return true;
  return false;
}

// Bytes (with "\n" line breaks) that 7bit/8bit can carry as they are: no NUL
// or CR (a parser may end a line at a bare CR), lines of at most 998 octets,
// and no line that starts with "--" + the boundary of a multipart of the
// message. RFC 2046 §5.1.1 lets only "--boundary" plus whitespace delimit, but
// parsers differ (and a merge value must never add a delimiter), so any line
// starting that way sends the text to quoted-printable, which never writes one.
bool fits_identity(std::string_view bytes, bool allow_8bit, const std::vector<std::string_view>& boundaries) noexcept {
  std::size_t line = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      line = 0;
      continue;
    }
    if (line == 0 && c == '-' && !boundaries.empty() && is_delimiter_like(bytes.substr(i, bytes.find('\n', i) - i), boundaries))
      return false;
    if (c == '\0' || c == '\r') return false;
    if (u >= 0x80 && !allow_8bit) return false;
    if (++line > max_line_octets) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(text_error e) noexcept {
  switch (e) {
    case text_error::not_text: return "not a text part";
    case text_error::unknown_transfer_encoding: return "unknown Content-Transfer-Encoding";
    case text_error::unknown_charset: return "unknown charset";
    case text_error::too_large: return "conversion too large";
    case text_error::invalid_utf8: return "text is not UTF-8";
  }
  return "text error";
}

std::expected<text_content, text_error> read_text(const message& m, part_id id) {
  if (id >= m.parts().size()) return std::unexpected(text_error::not_text);
  const part& p = m.at(id);
  if (p.type.type != "text" || p.is_multipart()) return std::unexpected(text_error::not_text);
  if (p.encoding == transfer_encoding::unknown) return std::unexpected(text_error::unknown_transfer_encoding);
  const decode_result raw = decode_transfer(m.slice(p.body), p.encoding);
  text_content t;
  t.charset = std::string(p.type.param("charset"));
  t.damaged_encoding = raw.malformed;
  auto u = to_utf8(raw.data, t.charset);
  if (!u) return std::unexpected(u.error() == charset_error::too_large ? text_error::too_large : text_error::unknown_charset);
  t.utf8 = to_lf(u->text);
  t.lossy = u->lossy;
  return t;
}

std::expected<encoded_text, text_error> encode_text(const message& m, part_id id, std::string_view utf8,
                                                    const encode_options& options) {
  if (id >= m.parts().size()) return std::unexpected(text_error::not_text);
  const part& p = m.at(id);
  if (p.type.type != "text" || p.is_multipart()) return std::unexpected(text_error::not_text);
  if (p.encoding == transfer_encoding::unknown) return std::unexpected(text_error::unknown_transfer_encoding);
  // Copies only where needed: CRLF to LF when there is a CR, a conversion when
  // the charset is not UTF-8; UTF-8 is validated once.
  std::string lf_text;
  std::string_view text = utf8;
  if (utf8.find('\r') != std::string_view::npos) text = lf_text = to_lf(utf8);
  const std::string_view newline = m.newline();

  encoded_text out;
  const std::string_view label = p.type.param("charset");
  std::string converted;
  std::string_view bytes = text;
  if (classify_charset(label) == charset_family::utf8) {
    if (!options.known_utf8 && !is_valid_utf8(text)) return std::unexpected(text_error::invalid_utf8);
    out.charset = std::string(label);
  } else if (auto r = from_utf8(text, label.empty() ? "us-ascii" : label)) {
    bytes = converted = std::move(*r);
    out.charset = std::string(label);
  } else if (r.error() == charset_error::invalid_input) {
    return std::unexpected(text_error::invalid_utf8);
  } else {
    out.charset = "UTF-8";
    out.charset_fallback = true;
  }
  if (out.charset_fallback) {  // never for a UTF-8 label: its charset parameter changes
    content_type ct = p.type;
    bool found = false;
    for (parameter& prm : ct.params)
      if (prm.name == "charset") {
        prm.value = "UTF-8";
        prm.extended = false;
        found = true;
      }
    if (!found) ct.params.push_back({"charset", "UTF-8", false});
    out.content_type = format_content_type(ct, std::string_view("Content-Type").size(), newline);
  }

  out.encoding = p.encoding;
  switch (p.encoding) {
    case transfer_encoding::base64: out.body = encode_base64(with_newline(bytes, "\r\n"), newline); break;
    case transfer_encoding::quoted_printable: out.body = encode_quoted_printable(bytes, newline); break;
    case transfer_encoding::seven_bit:
    case transfer_encoding::eight_bit:
    case transfer_encoding::binary: {
      const bool allow_8bit = p.encoding != transfer_encoding::seven_bit && options.keep_8bit;
      if (fits_identity(bytes, allow_8bit, boundaries_of(m))) {
        out.body = with_newline(bytes, newline);
      } else {
        out.encoding = transfer_encoding::quoted_printable;
        out.body = encode_quoted_printable(bytes, newline);
      }
      break;
    }
    case transfer_encoding::unknown: return std::unexpected(text_error::unknown_transfer_encoding);
  }
  if (out.encoding != p.encoding) out.content_transfer_encoding = std::string(transfer_encoding_name(out.encoding));
  return out;
}

std::vector<part_id> personalizable_parts(const message& m) {
  std::vector<part_id> ids;
  for (part_id id = 0; id < m.parts().size(); ++id)
    if (m.at(id).is_personalizable_text()) ids.push_back(id);
  return ids;
}

}  // namespace kizuna::mime
