// Loads and validates kizuna.yaml (SPEC §3) into an immutable snapshot.
// Every problem found is reported (not just the first) as file:line:col: unknown
// keys, wrong types, values out of range, files that do not exist. Relative paths
// are resolved against the config file's directory.
#pragma once

#include <expected>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "relay/config/diagnostic.hpp"
#include "relay/config/settings.hpp"

namespace kizuna::config {

using snapshot = std::shared_ptr<const settings>;

std::expected<snapshot, diagnostics> load(const std::filesystem::path& file);

// The policy files a config names, read even when the rest of it is invalid, so
// `kizuna check` reports the errors of both in one run. Empty when the file
// cannot be read or parsed or names none.
std::vector<std::string> policy_entries(const std::filesystem::path& file);

}  // namespace kizuna::config
