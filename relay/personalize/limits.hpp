// Limits of the merge-field template engine, each named once with its value.
// They bound the work and memory one message can cost at compile time (once
// per message) and at render time (once per recipient). Exceeding one is a
// compile_error with the byte offset where the limit was crossed.
#pragma once

#include <cstddef>

namespace kizuna::personalize {

// Size of one template (a decoded MIME part or a header value), in bytes.
inline constexpr std::size_t max_template_bytes = 8 * 1024 * 1024;
// Merge-field slots in one template.
inline constexpr std::size_t max_slots = 10'000;
// Length of a field name as written between the braces (e.g. "contact.会社名").
inline constexpr std::size_t max_name_bytes = 128;
// Length of the text of a `default: "..."` filter, after unescaping.
inline constexpr std::size_t max_default_bytes = 1024;
// Filters chained on one slot.
inline constexpr std::size_t max_filters_per_slot = 8;

}  // namespace kizuna::personalize
