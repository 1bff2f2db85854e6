#include "relay/audit/live_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace kizuna::audit {
namespace {

std::filesystem::path parent_of(const std::filesystem::path& p) {
  return p.has_parent_path() ? p.parent_path() : std::filesystem::path(".");
}

// mkdir -p with mode 0750 for the directories it creates.
int make_dirs(const std::filesystem::path& dir) {
  std::filesystem::path partial;
  for (const auto& part : dir) {
    partial /= part;
    if (::mkdir(partial.c_str(), 0750) != 0 && errno != EEXIST) return errno;
  }
  return 0;
}

}  // namespace

std::expected<int, std::string> open_live_file(const std::filesystem::path& path) {
  const auto dir = parent_of(path);
  if (int err = make_dirs(dir))
    return std::unexpected(fmt::format("{}: cannot create directory: {}", dir.string(), std::strerror(err)));
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  return fd;
}

int lock_file(int fd) {
  while (::flock(fd, LOCK_EX) != 0)
    if (errno != EINTR) return errno;
  return 0;
}

void unlock_file(int fd) { ::flock(fd, LOCK_UN); }

namespace {

file_state from_stat(const struct stat& st) {
  return file_state{st.st_dev, st.st_ino, static_cast<std::uint64_t>(st.st_size)};
}

}  // namespace

int state_of(int fd, file_state& out) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno;
  out = from_stat(st);
  return 0;
}

int state_of(const std::filesystem::path& path, file_state& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return errno;
  out = from_stat(st);
  return 0;
}

int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return 0;
}

int sync_parent_dir(const std::filesystem::path& path) {
  const int fd = ::open(parent_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int rc = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return rc;
}

}  // namespace kizuna::audit
