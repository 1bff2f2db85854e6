#include "relay/mime/rewriter.hpp"

#include <algorithm>

#include "relay/mime/encoded_word.hpp"
#include "relay/mime/lines.hpp"

namespace kizuna::mime {

bool rewriter::valid(part_id id, std::string_view name, std::string_view value) const noexcept {
  if (id >= m_->parts().size() || !is_valid_field_name(name)) return false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\0') return false;
    if (c == '\r') {
      if (i + 1 >= value.size() || value[i + 1] != '\n') return false;
      continue;
    }
    if (c == '\n' && (i + 1 >= value.size() || !detail::is_wsp(value[i + 1]))) return false;
  }
  return true;
}

std::string rewriter::field_text(std::string_view name, std::string_view value) const {
  std::string t;
  t.reserve(name.size() + value.size() + 4);
  t.append(name);
  t += ": ";
  t.append(value);
  t += m_->newline();
  return t;
}

void rewriter::edit_field(part_id id, std::size_t field, std::string text) {
  for (field_edit& e : fields_)
    if (e.part == id && e.field == field) {
      e.text = std::move(text);
      return;
    }
  fields_.push_back({id, field, std::move(text)});
}

bool rewriter::set_header(part_id id, std::string_view name, std::string_view value) {
  if (!valid(id, name, value)) return false;
  const auto& fields = m_->at(id).fields;
  bool replaced = false;
  for (std::size_t k = 0; k < fields.size(); ++k) {
    if (!detail::iequals(fields[k].name, name)) continue;
    edit_field(id, k, replaced ? std::string() : field_text(name, value));
    replaced = true;
  }
  auto same = [&](const insertion& i) { return i.part == id && detail::iequals(i.name, name); };
  if (replaced) {
    std::erase_if(insertions_, same);
    return true;
  }
  auto it = std::find_if(insertions_.begin(), insertions_.end(), same);
  if (it != insertions_.end()) it->text = field_text(name, value);
  else insertions_.push_back({id, std::string(name), field_text(name, value)});
  return true;
}

bool rewriter::add_header(part_id id, std::string_view name, std::string_view value) {
  if (!valid(id, name, value)) return false;
  insertions_.push_back({id, std::string(name), field_text(name, value)});
  return true;
}

bool rewriter::set_header_text(part_id id, std::string_view name, std::string_view utf8) {
  return set_header(id, name, encode_header_value(utf8, name.size(), m_->newline()));
}

// Every field of the part whose name `matches`, received or added by this rewriter.
template <class Matches>
void rewriter::remove_fields_if(part_id id, Matches matches) {
  if (id >= m_->parts().size()) return;
  const auto& fields = m_->at(id).fields;
  for (std::size_t k = 0; k < fields.size(); ++k)
    if (matches(fields[k].name)) edit_field(id, k, {});
  std::erase_if(insertions_, [&](const insertion& i) { return i.part == id && matches(i.name); });
}

void rewriter::remove_header(part_id id, std::string_view name) {
  remove_fields_if(id, [name](std::string_view n) { return detail::iequals(n, name); });
}

void rewriter::remove_headers_with_prefix(part_id id, std::string_view prefix) {
  remove_fields_if(id, [prefix](std::string_view n) { return detail::istarts_with(n, prefix); });
}

bool rewriter::replace_body(part_id id, std::string body) {
  if (id >= m_->parts().size() || m_->at(id).is_multipart()) return false;
  for (body_edit& e : bodies_)
    if (e.part == id) {
      e.body = std::move(body);
      return true;
    }
  bodies_.push_back({id, std::move(body)});
  return true;
}

bool rewriter::apply(part_id id, encoded_text text) {
  if (id >= m_->parts().size() || m_->at(id).is_multipart()) return false;
  const bool mime_fields = text.content_type || text.content_transfer_encoding;
  if (text.content_type && !set_header(id, "Content-Type", *text.content_type)) return false;
  if (text.content_transfer_encoding && !set_header(id, "Content-Transfer-Encoding", *text.content_transfer_encoding))
    return false;
  if (mime_fields && id == 0 && m_->root().field("MIME-Version") == nullptr) set_header(0, "MIME-Version", "1.0");
  return replace_body(id, std::move(text.body));
}

std::expected<void, text_error> rewriter::replace_text(part_id id, std::string_view utf8,
                                                       const encode_options& options) {
  auto t = encode_text(*m_, id, utf8, options);
  if (!t) return std::unexpected(t.error());
  apply(id, std::move(*t));
  return {};
}

std::string rewriter::render() const {
  std::string out;
  render_to(out);
  return out;
}

void rewriter::render_to(std::string& out) const {
  const std::string_view bytes = m_->bytes();
  const std::string_view nl = m_->newline();
  // Every edit is a byte range of the original and what replaces it; at one
  // position, field edits come before insertions, which come before a body.
  struct span {
    std::size_t begin, end;
    int order;
    std::string_view text;
    std::string_view before, after;  // line ends the splice needs
  };
  std::vector<span> spans;
  spans.reserve(fields_.size() + insertions_.size() + bodies_.size());
  for (const field_edit& e : fields_) {
    const byte_range r = m_->at(e.part).fields[e.field].raw;
    spans.push_back({r.begin, r.end, 0, e.text, {}, {}});
  }
  for (const insertion& i : insertions_) {
    const part& p = m_->at(i.part);
    const std::size_t at = p.header.end;
    const bool unterminated = !p.header.empty() && bytes[at - 1] != '\n';
    // Without an empty line after the block, the body would read as more fields.
    const bool needs_separator = !p.has_separator;
    spans.push_back({at, at, 1, i.text, unterminated ? nl : std::string_view(), needs_separator ? nl : std::string_view()});
  }
  // Several insertions in one block: only the first needs the line end before, the last the separator.
  std::stable_sort(spans.begin(), spans.end(), [](const span& a, const span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.order < b.order;
  });
  for (std::size_t k = 0; k + 1 < spans.size(); ++k)
    if (spans[k].order == 1 && spans[k + 1].order == 1 && spans[k + 1].begin == spans[k].begin) {
      spans[k].after = {};
      spans[k + 1].before = {};
    }
  const std::string two_nl = std::string(nl) + std::string(nl);
  for (const body_edit& e : bodies_) {
    const part& p = m_->at(e.part);
    const byte_range r = p.body;
    // A delimiter right after the body needs a line end before it (it may have been
    // shared with the header separator when the original body was empty).
    const bool delimiter_follows = r.end < bytes.size() && bytes[r.end] != '\r' && bytes[r.end] != '\n';
    // Without a separator the new text's first line could read as a field: add the
    // empty line (an insertion into this block already does).
    std::string_view before;
    const bool inserted = std::any_of(insertions_.begin(), insertions_.end(),
                                      [&](const insertion& i) { return i.part == e.part; });
    if (!p.has_separator && !inserted) {
      const bool unterminated = !p.header.empty() && bytes[p.header.end - 1] != '\n';
      before = unterminated ? std::string_view(two_nl) : nl;
    }
    spans.push_back({r.begin, r.end, 2, e.body, before, delimiter_follows && !e.body.empty() ? nl : std::string_view()});
  }
  std::stable_sort(spans.begin(), spans.end(), [](const span& a, const span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.order < b.order;
  });

  std::size_t total = bytes.size();
  for (const span& s : spans) total += s.text.size() + 4;
  out.reserve(out.size() + total);
  std::size_t cursor = 0;
  for (const span& s : spans) {
    if (s.begin < cursor) continue;  // overlapping edits cannot be built through this API
    out.append(bytes.substr(cursor, s.begin - cursor));
    out.append(s.before);
    out.append(s.text);
    out.append(s.after);
    cursor = s.end;
  }
  out.append(bytes.substr(cursor));
}

}  // namespace kizuna::mime
