// POSIX file operations of the writer, kept apart from its queueing logic:
// create the directories (0750) and open the live file (0640, O_APPEND), take and
// drop the flock(2) that serializes the writers of one chain (blocking: only the
// writer thread calls it), tell whether the live path still names an open file
// (another process may have rotated it), write a buffer completely, make a
// directory entry durable.
// Errors: a one-line message naming the file, or errno.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace kizuna::audit {

// Which file an fd or a path names, and how long it is.
struct file_state {
  dev_t dev = 0;
  ino_t ino = 0;
  std::uint64_t size = 0;
  bool same_file(const file_state& o) const noexcept { return dev == o.dev && ino == o.ino; }
};

// Opens (creating it and its directories) `path` for appending. Not locked.
std::expected<int, std::string> open_live_file(const std::filesystem::path& path);

// flock(2) LOCK_EX, waiting as long as another writer commits (EINTR retried); returns 0 or errno.
int lock_file(int fd);
// Drops the lock taken by lock_file (harmless when not held).
void unlock_file(int fd);

// fstat(2) / stat(2); returns 0 or errno (ENOENT: the path names nothing).
int state_of(int fd, file_state& out);
int state_of(const std::filesystem::path& path, file_state& out);

// Writes all of `data` (retrying short writes and EINTR); returns 0 or errno.
int write_all(int fd, std::string_view data);

// fsync(2)s the directory holding `path`; returns 0 or errno.
int sync_parent_dir(const std::filesystem::path& path);

}  // namespace kizuna::audit
