#include "relay/delivery/ledger_owner_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "relay/core/log.hpp"

namespace kizuna::delivery {

std::optional<std::string> claim_ledger_owner_file(const std::filesystem::path& state_dir, const std::string& owner) {
  const auto path = state_dir / "ledger.owner";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    log::warning("{}: {}", path.string(), std::strerror(errno));
    return std::nullopt;
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    log::warning("{}: held by another running kizuna on this state_dir", path.string());
    ::close(fd);
    return std::nullopt;
  }
  char buf[256];
  const ssize_t n = ::pread(fd, buf, sizeof buf, 0);
  std::string previous = n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  if (const auto nl = previous.find('\n'); nl != std::string::npos) previous.resize(nl);
  const std::string line = owner + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, line.data(), line.size(), 0) != static_cast<ssize_t>(line.size()))
    log::warning("{}: cannot record this process: {}", path.string(), std::strerror(errno));
  // fd stays open (and locked) for the life of the process.
  if (previous.empty() || previous == owner) return std::nullopt;
  return previous;
}

}  // namespace kizuna::delivery
