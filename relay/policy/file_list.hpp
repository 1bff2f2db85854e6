// Expands the config's `policies:` entries (files or globs, already resolved
// against the config file's directory) into the files to load, in load order:
// entries in order, each glob's matches sorted by name, a file named twice
// (by two entries, or through a symlink) loaded once, where it first appears.
// Globs use glob(3) (GLOB_ERR: an unreadable directory is an error, not a gap).
// Errors: located at "policies" (line 0): an entry that matches no file (a typo
// must not silently disable rules), or a directory that cannot be read.
#pragma once

#include <string>
#include <vector>

#include "relay/config/diagnostic.hpp"

namespace kizuna::policy {

struct file_list {
  std::vector<std::string> files;  // as glob(3) spells them: diagnostics name them so
  config::diagnostics problems;
};

file_list expand_entries(const std::vector<std::string>& entries);

}  // namespace kizuna::policy
