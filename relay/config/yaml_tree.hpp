// A parsed YAML document as plain data: scalars, lists and mappings, each with the
// 1-based line and column it came from. The config decoders (kizuna.yaml now,
// policies later) work on this tree, so yaml-cpp stays inside yaml_tree.cpp.
//
// Limits: one document per file; nesting up to max_depth, at most max_nodes once
// aliases are expanded (a recursive alias or an "alias bomb" is an error, not a hang).
// Errors: invalid YAML is reported at the parser's line and column.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/config/diagnostic.hpp"

namespace kizuna::config {

struct yaml_entry;

struct yaml_node {
  enum class kind { null, scalar, list, mapping };

  kind type = kind::null;
  std::string text;   // scalar only
  bool plain = true;  // scalar written without quotes or tag
  int line = 0;       // 1-based; 0 when unknown
  int column = 0;
  std::vector<yaml_node> items;     // list
  std::vector<yaml_entry> entries;  // mapping, in file order, duplicates kept

  bool is_null() const { return type == kind::null; }
  bool is_scalar() const { return type == kind::scalar; }
  bool is_list() const { return type == kind::list; }
  bool is_mapping() const { return type == kind::mapping; }
};

// One key: value of a mapping. A struct rather than std::pair<yaml_node, yaml_node>:
// a pair of the still-incomplete yaml_node inside yaml_node is not valid C++
// (libstdc++ with clang refuses it; GCC happens to accept it).
struct yaml_entry {
  yaml_node first;   // the key
  yaml_node second;  // the value
};

inline constexpr int yaml_max_depth = 64;
// A config is hundreds of values and a policy file thousands; far past that is an alias bomb.
inline constexpr std::size_t yaml_max_nodes = 200'000;

// Parses `text` (the contents of `file`, which is only used in the diagnostic).
// An empty document (or only comments) yields a null node at 1:1.
std::expected<yaml_node, diagnostic> parse_yaml(std::string_view text, const std::string& file);

// "a list", "a mapping", "nothing" or the quoted scalar, for "expected X, got Y".
std::string describe(const yaml_node& node);

}  // namespace kizuna::config
