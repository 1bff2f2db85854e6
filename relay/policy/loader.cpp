// load(): expand the entries (file_list.cpp), then per file: read, parse
// (config/yaml_tree), decode and merge (set_builder.cpp); finally what the
// rules need from Redis and the version hash (version_hash.cpp).
#include "relay/policy/loader.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <system_error>
#include <utility>

#include "relay/config/decoder.hpp"
#include "relay/config/yaml_tree.hpp"
#include "relay/policy/file_list.hpp"
#include "relay/policy/set_builder.hpp"
#include "relay/policy/version_hash.hpp"
#include "relay/core/read_file.hpp"

namespace kizuna::policy {
namespace {

// Policy files are KBs; the cap only stops a glob that catches a huge file from eating memory.
constexpr std::size_t max_file_bytes = 16u << 20;

std::expected<std::string, std::string> read_file(const std::filesystem::path& file) {
  return read_small_file(file, max_file_bytes, "a policy file");
}

}  // namespace

// Diagnostics come in load order: the entries' problems first, then each file's
// by position, so a duplicate is always reported after the definition it names.
std::expected<snapshot, config::diagnostics> load(const std::vector<std::string>& entries) {
  auto list = expand_entries(entries);
  config::diagnostics problems = std::move(list.problems);
  set_builder builder;
  std::vector<loaded_file> loaded;
  for (const auto& file : list.files) {
    auto text = read_file(file);
    if (!text) {
      problems.push_back({file, 0, 0, text.error()});
      continue;
    }
    auto tree = config::parse_yaml(*text, file);
    if (!tree) {
      problems.push_back(std::move(tree.error()));
      continue;
    }
    std::error_code ec;
    auto absolute = std::filesystem::absolute(file, ec).lexically_normal();
    if (ec) {
      problems.push_back({file, 0, 0, "cannot resolve path: " + ec.message()});
      continue;
    }
    config::decoder d(file, absolute.parent_path());
    builder.add_file(d, *tree, file);
    for (auto& p : d.take_diagnostics()) problems.push_back(std::move(p));
    loaded.push_back({absolute.string(), std::move(*text)});
  }
  for (auto& p : builder.cross_file_problems()) problems.push_back(std::move(p));
  if (!problems.empty()) return std::unexpected(std::move(problems));

  auto set = std::make_shared<policy_set>(std::move(builder).finish());
  set->version = policy_version(loaded);
  return set;
}

}  // namespace kizuna::policy
