// Builds one policy_set from the policy files, one file at a time: decodes a
// file's top level (categories, optout, timezone, rules; model.hpp has the
// format) and merges it into the set, checking what spans files: a rule id is
// unique across all files and may not start with "builtin:", and a scalar
// setting (categories.default, optout.action, timezone.field, timezone.default)
// is set in one file at most, so no file order decides which one wins.
// `personas`, `persona_assignment` and `merge` (SPEC §6) come with
// personalization; until then they are refused, not ignored.
// Errors: reported to the file's decoder at the value (at the second
// definition, naming the first as file:line).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "relay/config/decoder.hpp"
#include "relay/config/yaml_tree.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

class set_builder {
 public:
  // `file` names the file in diagnostics and in rule::file. A null root (an
  // empty file, or only comments) adds nothing.
  void add_file(config::decoder& d, const config::yaml_node& root, const std::string& file);

  // The set, with what its rules need from Redis and the longest sent_within
  // period filled in; version is left to the caller, who has the bytes.
  policy_set finish() &&;

 private:
  // False (after reporting at `key`) when another file already set `name`.
  bool claim(config::decoder& d, const config::yaml_node& key, std::string_view name, const std::string& file);
  void decode_rule(config::decoder& d, const config::yaml_node& node, const std::string& path,
                   const std::string& file);

  policy_set set_;
  std::map<std::string, std::string, std::less<>> settings_;  // setting -> "file:line" of its definition
  std::map<std::string, std::string, std::less<>> rule_ids_;  // id -> "file:line" of its definition
};

}  // namespace kizuna::policy
