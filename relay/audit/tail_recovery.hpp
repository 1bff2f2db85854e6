// Finds where an existing chain stands so a restarted writer continues it: the
// last record of the live file or, when that file is empty or missing, of the
// newest rotated file (chain_files.hpp). Only that one line is read (from the end
// of the file), so a restart costs the same for a 1 KB or a 256 MB log.
// Errors (one line, "file:line: what"): a last line without its newline (a write
// cut short by a crash) unless `repair_truncated_tail`, which cuts the partial
// line off the live file and logs a warning saying how many bytes it dropped; a
// last line that is not a valid record or whose hash does not recompute; I/O errors.
// Rotated files are never repaired.
#pragma once

#include <expected>
#include <filesystem>
#include <string>

#include "relay/audit/chain.hpp"

namespace kizuna::audit {

std::expected<chain_position, std::string> recover_position(const std::filesystem::path& live,
                                                            bool repair_truncated_tail);

}  // namespace kizuna::audit
