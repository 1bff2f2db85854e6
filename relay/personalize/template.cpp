// compile(): find the slots, decide their escaping, then copy the literal
// bytes around them (applying the HTML plan's quoting edits) into one string.
#include "relay/personalize/template.hpp"

#include "relay/core/utf8.hpp"
#include "relay/personalize/html_scanner.hpp"
#include "relay/personalize/limits.hpp"
#include "relay/personalize/slot_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>

namespace kizuna::personalize {
namespace {

compile_error located(std::string_view src, compile_error e) {
  const std::string_view before = src.substr(0, std::min(e.offset, src.size()));
  e.line = 1 + static_cast<std::size_t>(std::count(before.begin(), before.end(), '\n'));
  const std::size_t nl = before.rfind('\n');
  e.column = 1 + (nl == std::string_view::npos ? before.size() : before.size() - nl - 1);
  return e;
}

}  // namespace

std::string_view slot::key() const noexcept {
  switch (scope) {
    case field_scope::contact: return std::string_view(name).substr(8);  // "contact."
    case field_scope::persona: return std::string_view(name).substr(8);  // "persona."
    case field_scope::unsubscribe_url: return name;
  }
  return name;
}

std::string to_string(const compile_error& e) {
  return fmt::format("line {}, column {} (byte {}): {}", e.line, e.column, e.offset, e.message);
}

std::vector<std::string> compiled_template::field_names() const {
  std::vector<std::string> names;
  for (const slot& s : slots_)
    if (std::find(names.begin(), names.end(), s.name) == names.end()) names.push_back(s.name);
  return names;
}

std::expected<compiled_template, compile_error> compile(std::string_view utf8, context where) {
  if (utf8.size() > max_template_bytes) {
    compile_error e;
    e.offset = max_template_bytes;
    e.message = fmt::format("template larger than {} bytes", max_template_bytes);
    return std::unexpected(located(utf8, std::move(e)));
  }
  auto found = find_slots(utf8);
  if (!found) return std::unexpected(located(utf8, std::move(found.error())));
  std::vector<parsed_slot>& parsed = *found;

  html_plan plan;
  if (where == context::html) {
    auto p = plan_html(utf8, parsed);
    if (!p) return std::unexpected(located(utf8, std::move(p.error())));
    plan = std::move(*p);
    assert(plan.escapings.size() == parsed.size());
  }

  compiled_template t;
  t.context_ = where;
  t.slots_.reserve(parsed.size());
  std::size_t literal_size = utf8.size() + plan.edits.size() * 6;
  for (const parsed_slot& p : parsed) literal_size -= p.end - p.begin;
  t.literal_.reserve(literal_size);

  // Copies utf8[from, to) with the edits that fall there; an insertion at
  // `to` itself goes in too (before the slot that starts there).
  std::size_t next_edit = 0;
  auto copy = [&](std::size_t from, std::size_t to) {
    while (next_edit < plan.edits.size() && plan.edits[next_edit].at <= to) {
      const html_edit& e = plan.edits[next_edit++];
      t.literal_.append(utf8.substr(from, e.at - from));
      t.literal_.append(e.text);
      from = e.replaces_byte ? e.at + 1 : e.at;
    }
    t.literal_.append(utf8.substr(from, to - from));
  };

  std::size_t pos = 0;
  for (std::size_t k = 0; k < parsed.size(); ++k) {
    parsed_slot& p = parsed[k];
    copy(pos, p.begin);
    slot s;
    s.at = t.literal_.size();
    s.source_offset = p.begin;
    s.name = std::move(p.name);
    s.scope = p.scope;
    s.filters = std::move(p.filters);
    s.esc = where == context::html   ? plan.escapings[k]
            : where == context::text ? escaping::text
                                     : escaping::header;
    t.slots_.push_back(std::move(s));
    pos = p.end;
  }
  copy(pos, utf8.size());
  assert(next_edit == plan.edits.size());
  t.literal_utf8_ = is_valid_utf8(t.literal_);
  return t;
}

}  // namespace kizuna::personalize
