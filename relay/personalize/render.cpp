// Two passes over the slots: resolve every value and add up the escaped
// sizes, reserve once, then write literal runs and escaped values.
#include "relay/personalize/render.hpp"

#include "relay/core/utf8.hpp"
#include "relay/personalize/company.hpp"

#include <algorithm>
#include <array>

namespace kizuna::personalize {
namespace {

// A value after the filters: a view into the source or the template, or a
// range of the scratch buffer (which may grow, so no pointer is kept there).
struct resolved {
  const char* data = nullptr;
  std::size_t offset = 0;
  std::size_t size = 0;
  bool present = false;
  bool in_scratch = false;

  std::string_view view(const std::string& scratch) const noexcept {
    return in_scratch ? std::string_view(scratch).substr(offset, size) : std::string_view(data, size);
  }
};

resolved resolve(const slot& s, const value_source& values, std::string& scratch) {
  resolved r;
  if (const std::optional<std::string_view> v = values.find(s.name)) {
    r.data = v->data();
    r.size = v->size();
    r.present = true;
  }
  for (const filter& f : s.filters) {
    switch (f.what) {
      case filter::kind::default_value:
        if (!r.present || r.size == 0) r = resolved{f.text.data(), 0, f.text.size(), true, false};
        break;
      case filter::kind::company:
        // Only `company` writes to the scratch buffer, and it is idempotent:
        // a value already there is already normalized (and must not be read
        // while the buffer is appended to).
        if (r.present && !r.in_scratch) {
          const std::size_t offset = scratch.size();
          append_normalized_company(scratch, std::string_view(r.data, r.size));
          r = resolved{nullptr, offset, scratch.size() - offset, true, true};
        }
        break;
    }
  }
  return r;
}

constexpr std::size_t inline_slots = 32;

}  // namespace

render_result render(const compiled_template& t, const value_source& values) {
  render_result result;
  const std::span<const slot> slots = t.slots();
  std::array<resolved, inline_slots> inline_values;
  std::vector<resolved> heap_values;
  std::span<resolved> resolved_values(inline_values.data(), std::min(slots.size(), inline_slots));
  if (slots.size() > inline_slots) {
    heap_values.resize(slots.size());
    resolved_values = heap_values;
  }
  std::string scratch;

  std::size_t total = t.literal().size();
  bool values_utf8 = true;
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const slot& s = slots[k];
    resolved_values[k] = resolve(s, values, scratch);
    values_utf8 = values_utf8 && is_valid_utf8(resolved_values[k].view(scratch));
    if (!resolved_values[k].present &&
        std::find(result.missing.begin(), result.missing.end(), s.name) == result.missing.end())
      result.missing.push_back(s.name);
    total += escaped_size(s.esc, resolved_values[k].view(scratch));
  }

  std::string& out = result.out;
  out.reserve(total);
  const std::string_view literal = t.literal();
  std::size_t pos = 0;
  for (std::size_t k = 0; k < slots.size(); ++k) {
    const slot& s = slots[k];
    out.append(literal.substr(pos, s.at - pos));
    append_escaped(out, s.esc, resolved_values[k].view(scratch));
    pos = s.at;
  }
  out.append(literal.substr(pos));
  result.utf8 = values_utf8 && t.literal_utf8();
  return result;
}

void add_missing(const compiled_template& t, const value_source& values, std::vector<std::string>& into) {
  std::string scratch;
  for (const slot& s : t.slots()) {
    if (resolve(s, values, scratch).present) continue;
    if (std::find(into.begin(), into.end(), s.name) == into.end()) into.push_back(s.name);
  }
}

}  // namespace kizuna::personalize
