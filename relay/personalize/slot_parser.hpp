// Finding and parsing the `{{ ... }}` slots of a template (grammar and
// literal-vs-error rules in template.hpp). Internal to personalize/.
// Errors carry only the byte offset; compile() adds line and column.
#pragma once

#include "relay/personalize/template.hpp"

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::personalize {

struct parsed_slot {
  std::size_t begin = 0;  // offset of "{{"
  std::size_t end = 0;    // offset just past "}}"
  std::string name;       // full name, scope prefix added for bare names
  field_scope scope = field_scope::contact;
  std::vector<filter> filters;
};

// Every slot of `src` in order, or the first error. At most max_slots.
std::expected<std::vector<parsed_slot>, compile_error> find_slots(std::string_view src);

// Whether the UTF-8 character `cp` may appear in a field name.
bool is_name_code_point(char32_t cp) noexcept;

}  // namespace kizuna::personalize
