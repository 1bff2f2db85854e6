// Loads the policy files named by the config's `policies:` entries (files or
// globs, already resolved against the config file's directory) into a
// policy_set. Every problem is reported as file:line:col (unknown matcher or
// action, bad regex, unknown time zone, duplicate rule id, bad period or time,
// a glob that matches nothing, a setting defined in two files...). A glob that
// matches nothing is an error: a typo must not silently disable rules.
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "relay/config/diagnostic.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

using snapshot = std::shared_ptr<const policy_set>;

std::expected<snapshot, config::diagnostics> load(const std::vector<std::string>& entries);

}  // namespace kizuna::policy
