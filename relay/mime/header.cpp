#include "relay/mime/header.hpp"

#include "relay/mime/lines.hpp"

namespace kizuna::mime {

bool is_valid_field_name(std::string_view name) noexcept {
  if (name.empty()) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 33 || u > 126 || c == ':') return false;
  }
  return true;
}

const header_field* find_field(std::span<const header_field> fields, std::string_view name) noexcept {
  for (const auto& f : fields)
    if (detail::iequals(f.name, name)) return &f;
  return nullptr;
}

header_block parse_header_block(std::string_view bytes, std::size_t start, const parse_limits& limits,
                                line_predicate stop, const void* ctx) {
  header_block h;
  h.range = {start, start};
  h.body_begin = start;
  // The field being read: recorded in h.fields (current) or only skipped over.
  bool in_field = false;
  bool recorded = false;
  std::size_t field_bytes = 0;
  auto append_value = [&](std::string_view text) {
    header_field& f = h.fields.back();
    if (f.truncated) return;
    const std::size_t room = limits.max_field_bytes > f.value.size() ? limits.max_field_bytes - f.value.size() : 0;
    if (text.size() > room) {
      text = text.substr(0, room);
      f.truncated = true;
      h.defects |= defect::field_too_long;
    }
    f.value.append(text);
  };
  auto close_field = [&](std::size_t end) {
    if (in_field && recorded) {
      header_field& f = h.fields.back();
      f.raw.end = end;
      f.value = std::string(detail::trim_wsp(f.value));
    }
    in_field = false;
  };

  std::size_t pos = start;
  while (pos < bytes.size()) {
    const detail::line l = detail::line_at(bytes, pos);
    if (stop != nullptr && stop(ctx, l.begin, l.end)) break;  // a delimiter: empty body follows
    if (l.bare_lf()) h.defects |= defect::bare_lf;
    const std::string_view text = bytes.substr(l.begin, l.size());
    if (text.empty()) {  // the separator
      close_field(pos);
      h.range.end = pos;
      h.body_begin = l.next;
      h.separator = true;
      return h;
    }
    for (char c : text)
      if (static_cast<unsigned char>(c) >= 0x80) {
        h.defects |= defect::eight_bit_header;
        break;
      }
    if (detail::is_wsp(text.front())) {
      if (!in_field) break;  // nothing to continue: the body starts here
      field_bytes += l.next - l.begin;
      if (field_bytes > limits.max_field_bytes) h.defects |= defect::field_too_long;
      if (recorded) append_value(text);  // unfolding: only the line end goes
      pos = l.next;
      continue;
    }
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos) break;
    std::string_view name = text.substr(0, colon);
    while (!name.empty() && detail::is_wsp(name.back())) name.remove_suffix(1);
    if (!is_valid_field_name(name)) break;
    close_field(pos);
    in_field = true;
    field_bytes = l.next - l.begin;
    if (h.fields.size() < limits.max_fields) {
      recorded = true;
      h.fields.push_back(header_field{{l.begin, l.next}, std::string(name), {}, false});
      append_value(text.substr(colon + 1));
    } else {
      recorded = false;
      h.defects |= defect::too_many_fields;
    }
    pos = l.next;
  }
  close_field(pos);
  h.range.end = pos;
  h.body_begin = pos;
  if (pos < bytes.size() && (stop == nullptr || !stop(ctx, pos, detail::line_at(bytes, pos).end)))
    h.defects |= defect::no_header_separator;
  return h;
}

}  // namespace kizuna::mime
