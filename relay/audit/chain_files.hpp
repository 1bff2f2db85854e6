// Which files hold one chain, in order. The writer renames the live file to
// "<live>.<UTC yyyymmddThhmmss>.<seq>" when it rotates, <seq> being the seq of the
// renamed file's last record; the chain then goes on in a fresh <live>. So a chain
// is: the rotated files by ascending <seq>, then the live file.
// Files named otherwise (e.g. "<live>.1.gz" left by logrotate) are not part of it.
// Errors: a directory that cannot be listed → a one-line message.
#pragma once

#include <chrono>
#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <vector>

namespace kizuna::audit {

std::filesystem::path rotated_path(const std::filesystem::path& live, std::chrono::system_clock::time_point when,
                                   std::uint64_t last_seq);

// The rotated files of `live` in chain order (oldest first), without the live file.
std::expected<std::vector<std::filesystem::path>, std::string> rotated_files(const std::filesystem::path& live);

// rotated_files(live) followed by `live` itself when it exists.
std::expected<std::vector<std::filesystem::path>, std::string> chain_files(const std::filesystem::path& live);

}  // namespace kizuna::audit
