// Where each slot of an HTML template falls, by a small tokenizer that
// follows the HTML5 tokenization states for tags, attributes, comments and
// raw text (not tree building): the escaping for every slot, or a
// compile_error for a slot that no escaping can make safe (rules in
// template.hpp). Also the edits that quote an unquoted attribute value
// holding a slot. Internal to personalize/; errors carry only the offset.
#pragma once

#include "relay/personalize/escape.hpp"
#include "relay/personalize/slot_parser.hpp"

#include <cstddef>
#include <expected>
#include <span>
#include <string_view>
#include <vector>

namespace kizuna::personalize {

struct html_edit {
  std::size_t at = 0;          // offset in the template
  bool replaces_byte = false;  // true: the byte at `at` becomes `text`; false: `text` goes before it
  std::string_view text;       // static storage
};

struct html_plan {
  std::vector<escaping> escapings;  // one per slot, in order
  std::vector<html_edit> edits;     // ascending `at`, none inside a slot
};

std::expected<html_plan, compile_error> plan_html(std::string_view src, std::span<const parsed_slot> slots);

}  // namespace kizuna::personalize
