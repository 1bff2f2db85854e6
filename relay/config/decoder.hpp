// The pieces every config decoder shares: typed reads of yaml_node values that
// report what is wrong and where, then keep going, so one run lists every error.
//
// decoder holds the diagnostics and the directory relative paths are resolved
// against; fields walks one mapping and reports the keys nobody asked for.
// Messages read "<path>: <problem>", e.g.
//   limits.max_recipients: must be between 1 and 100000, got 0
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/config/diagnostic.hpp"
#include "relay/config/yaml_tree.hpp"
#include "relay/core/cidr.hpp"
#include "relay/core/endpoint.hpp"

namespace kizuna::config {

class decoder {
 public:
  decoder(std::string file, std::filesystem::path base_dir);

  void error(const yaml_node& at, std::string message);
  // A problem inside a file the configuration names (e.g. unsubscribe.secret_file).
  void error_in(std::string file, int line, int column, std::string message);
  bool failed() const { return !diagnostics_.empty(); }
  // In file order (line, then column), whatever order they were found in; the
  // configuration file's own first, then those of the files it names.
  diagnostics take_diagnostics();

  // Relative paths in the file are relative to the file's directory.
  std::filesystem::path resolve(std::string_view text) const;

  // Each returns nullopt after reporting when `v` is not what is asked for;
  // `where` names the value in the message ("downstream.port").
  std::optional<std::string> string(const yaml_node& v, std::string_view where, bool allow_empty = false);
  std::optional<uint64_t> number(const yaml_node& v, std::string_view where, uint64_t min, uint64_t max);
  std::optional<bool> boolean(const yaml_node& v, std::string_view where);
  std::optional<std::filesystem::path> path(const yaml_node& v, std::string_view where);
  // A path that must name a readable regular file now (certificates, secrets).
  std::optional<std::filesystem::path> input_file(const yaml_node& v, std::string_view where);
  std::optional<endpoint> address(const yaml_node& v, std::string_view where);
  std::optional<cidr> network(const yaml_node& v, std::string_view where);
  const std::vector<yaml_node>* list(const yaml_node& v, std::string_view where);
  // One of a fixed set of words; the index into `names`.
  std::optional<std::size_t> word(const yaml_node& v, std::string_view where,
                                  const std::vector<std::string_view>& names);

 private:
  std::string file_;
  std::filesystem::path base_dir_;
  diagnostics diagnostics_;
};

// One mapping being decoded. Each key read is remembered; on destruction every
// key nobody read is reported as unknown (with a suggestion when one is close),
// so a decode function cannot forget to reject them. Duplicate keys are errors.
// When the node is not a mapping that is reported once and every read finds nothing.
class fields {
 public:
  using entry = yaml_entry;

  fields(decoder& d, const yaml_node& node, std::string path);
  ~fields();
  fields(const fields&) = delete;
  fields& operator=(const fields&) = delete;

  bool valid() const { return map_ != nullptr; }
  const yaml_node& node() const { return node_; }
  decoder& dec() const { return d_; }
  // "downstream" + "port" -> "downstream.port"; at the top level just "port".
  std::string path_of(std::string_view key) const;

  bool has(std::string_view key) const { return find(key) != nullptr; }
  // Marks `key` as known; the entry, or nullptr when absent.
  const entry* take_entry(std::string_view key);
  const yaml_node* take(std::string_view key);
  // As take(), but reports "missing required key" when absent.
  const yaml_node* require(std::string_view key);

  // Decode `key` into `out` when present. False only when present and invalid.
  bool string(std::string_view key, std::string& out, bool allow_empty = false);
  bool boolean(std::string_view key, bool& out);
  bool path(std::string_view key, std::filesystem::path& out);
  bool input_file(std::string_view key, std::filesystem::path& out);
  template <class T>
  bool number(std::string_view key, T& out, uint64_t min, uint64_t max) {
    const auto* v = take(key);
    if (!v) return true;
    auto n = d_.number(*v, path_of(key), min, max);
    if (n) out = static_cast<T>(*n);
    return n.has_value();
  }
  template <class E>
  bool choice(std::string_view key, E& out, std::initializer_list<std::pair<std::string_view, E>> options) {
    const auto* v = take(key);
    if (!v) return true;
    std::vector<std::string_view> names;
    for (const auto& o : options) names.push_back(o.first);
    auto i = d_.word(*v, path_of(key), names);
    if (i) out = std::data(options)[*i].second;
    return i.has_value();
  }

 private:
  const entry* find(std::string_view key) const;

  decoder& d_;
  const yaml_node& node_;
  const yaml_node* map_ = nullptr;
  std::string path_;
  std::vector<std::string> known_;  // every key asked for, present or not
};

}  // namespace kizuna::config
