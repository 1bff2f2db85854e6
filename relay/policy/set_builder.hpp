// Builds one policy_set from the policy files, one file at a time: decodes a
// file's top level (categories, optout, timezone, rules; model.hpp has the
// format) and merges it into the set, checking what spans files: a rule id is
// unique across all files and may not start with "builtin:", and a scalar
// setting (categories.default, optout.action, timezone.field, timezone.default)
// is set in one file at most, so no file order decides which one wins.
// `personas` (ids unique across files), `persona_assignment` and `merge` (each
// in one file at most) are decoded as data: nothing in the relay uses them yet.
// Errors: reported to the file's decoder at the value (at the second
// definition, naming the first as file:line). What only all the files together
// decide (persona_assignment.default names a persona defined in any file, and
// is required when personas exist) is reported by cross_file_problems().
#pragma once

#include <map>
#include <optional>
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

  // After every file is added: the problems no single file shows, located at
  // the reference (or, for a missing default, at persona_assignment / personas).
  config::diagnostics cross_file_problems() const;

 private:
  // False (after reporting at `key`) when another file already set `name`.
  bool claim(config::decoder& d, const config::yaml_node& key, std::string_view name, const std::string& file);
  void decode_rule(config::decoder& d, const config::yaml_node& node, const std::string& path,
                   const std::string& file);

  void decode_persona(config::decoder& d, const config::yaml_node& node, const std::string& path,
                      const std::string& file);
  void decode_persona_assignment(config::decoder& d, const config::yaml_node& node, const config::yaml_node& key,
                                 const std::string& file);
  void decode_merge(config::decoder& d, const config::yaml_node& node);

  struct position {
    std::string file;
    int line = 0;
    int column = 0;
  };

  policy_set set_;
  std::map<std::string, std::string, std::less<>> persona_ids_;  // id -> "file:line" of its definition
  std::optional<position> first_personas_;     // the first `personas:` key
  std::optional<position> assignment_at_;      // the `persona_assignment:` key
  std::optional<position> default_persona_at_;  // persona_assignment.default's value
  std::map<std::string, std::string, std::less<>> settings_;  // setting -> "file:line" of its definition
  std::map<std::string, std::string, std::less<>> rule_ids_;  // id -> "file:line" of its definition
};

}  // namespace kizuna::policy
