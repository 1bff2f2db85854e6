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

std::expected<live_file, std::string> open_live_file(const std::filesystem::path& path) {
  const auto dir = parent_of(path);
  if (int err = make_dirs(dir))
    return std::unexpected(fmt::format("{}: cannot create directory: {}", dir.string(), std::strerror(err)));
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) return std::unexpected(fmt::format("{}: cannot open: {}", path.string(), std::strerror(errno)));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    ::close(fd);
    if (err == EWOULDBLOCK)
      return std::unexpected(fmt::format("{}: in use by another process (locked)", path.string()));
    return std::unexpected(fmt::format("{}: cannot lock: {}", path.string(), std::strerror(err)));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return std::unexpected(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(err)));
  }
  return live_file{fd, static_cast<std::uint64_t>(st.st_size)};
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
