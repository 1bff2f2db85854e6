// POSIX file operations of the writer, kept apart from its queueing logic:
// create the directories (0750) and open the live file (0640, O_APPEND) under an
// exclusive flock(2), write a buffer completely, make a directory entry durable.
// Errors: a one-line message naming the file, or errno.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace kizuna::audit {

struct live_file {
  int fd = -1;
  std::uint64_t size = 0;
};

// Opens (creating it and its directories) `path` for appending and locks it.
std::expected<live_file, std::string> open_live_file(const std::filesystem::path& path);

// Writes all of `data` (retrying short writes and EINTR); returns 0 or errno.
int write_all(int fd, std::string_view data);

// fsync(2)s the directory holding `path`; returns 0 or errno.
int sync_parent_dir(const std::filesystem::path& path);

}  // namespace kizuna::audit
