// Rendering a compiled template for one recipient (DESIGN: "render per
// recipient" from a template compiled once). Pure: values come from a
// value_source the caller fills from Redis, the persona and the unsubscribe
// token; no re-parsing, and the output is sized exactly before it is written
// (one allocation for the text, none for templates of up to 32 slots
// besides; `company` filters use one scratch buffer).
//
// Per slot: the value is looked up by the slot's full name, the filters run
// left to right, then the slot's escaping (escape.hpp) is applied.
//   missing   the source returned nullopt. `default:` replaces a missing or
//             empty value; a value still missing after the filters renders
//             empty and its name is listed once in render_result::missing
//             (the caller applies merge.on_missing_field: hold, drop, defer
//             or blank). An empty value is not missing.
//   company   normalize_company(); a missing value stays missing.
// Errors: none; render is total.
#pragma once

#include "relay/personalize/template.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::personalize {

// Values by full slot name: "contact.last_name", "contact.会社名",
// "persona.display_name", "persona.fields.title", "unsubscribe_url". The
// returned views must stay valid until render() returns.
class value_source {
 public:
  virtual std::optional<std::string_view> find(std::string_view full_name) const = 0;

 protected:
  ~value_source() = default;
};

struct render_result {
  std::string out;
  std::vector<std::string> missing;  // distinct names, in template order
  // `out` is well-formed UTF-8: the literal is, and so is every value put in
  // (escaping only adds ASCII). False means unknown, not invalid.
  bool utf8 = false;
};

render_result render(const compiled_template& t, const value_source& values);

// The names render() would list as missing, appended to `into` when not there
// yet, without rendering (a copy's fate is decided before it is built).
void add_missing(const compiled_template& t, const value_source& values, std::vector<std::string>& into);

}  // namespace kizuna::personalize
