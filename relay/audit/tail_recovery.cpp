#include "relay/audit/tail_recovery.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include <fmt/format.h>

#include "relay/audit/chain_files.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/core/log.hpp"

namespace kizuna::audit {
namespace {

constexpr std::size_t max_line_bytes = 1 << 20;  // a record is a few hundred bytes; past this it is not one
constexpr std::size_t chunk_bytes = 64 * 1024;

class file_handle {
 public:
  explicit file_handle(int fd) : fd_(fd) {}
  ~file_handle() {
    if (fd_ >= 0) ::close(fd_);
  }
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

std::string os_error(const std::filesystem::path& file, std::string_view what) {
  return fmt::format("{}: {}: {}", file.string(), what, std::strerror(errno));
}

bool read_at(int fd, char* buf, std::size_t n, off_t at) {
  while (n > 0) {
    const ssize_t got = ::pread(fd, buf, n, at);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return false;
    buf += got;
    n -= static_cast<std::size_t>(got);
    at += got;
  }
  return true;
}

// Offset just past the last '\n' before `end` (0 when there is none), or nothing on a read error.
std::optional<off_t> line_start_before(int fd, off_t end) {
  std::string buf;
  for (off_t hi = end; hi > 0;) {
    const off_t lo = std::max<off_t>(0, hi - static_cast<off_t>(chunk_bytes));
    buf.resize(static_cast<std::size_t>(hi - lo));
    if (!read_at(fd, buf.data(), buf.size(), lo)) return std::nullopt;
    if (auto pos = buf.rfind('\n'); pos != std::string::npos) return lo + static_cast<off_t>(pos) + 1;
    hi = lo;
  }
  return off_t{0};
}

// 1-based number of the line starting at `offset` (error path only: reads the file up to there).
std::uint64_t line_number_at(int fd, off_t offset) {
  std::uint64_t lines = 1;
  std::string buf(chunk_bytes, '\0');
  for (off_t at = 0; at < offset;) {
    const std::size_t n = static_cast<std::size_t>(std::min<off_t>(offset - at, static_cast<off_t>(buf.size())));
    if (!read_at(fd, buf.data(), n, at)) break;
    lines += static_cast<std::uint64_t>(std::count(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n), '\n'));
    at += static_cast<off_t>(n);
  }
  return lines;
}

// The chain position at the end of `file`; nothing when the file is empty or missing.
std::expected<std::optional<chain_position>, std::string> last_position(const std::filesystem::path& file,
                                                                       bool repair) {
  file_handle fd(::open(file.c_str(), (repair ? O_RDWR : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    return std::unexpected(os_error(file, "cannot open"));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return std::unexpected(os_error(file, "cannot stat"));
  off_t size = st.st_size;
  if (size == 0) return std::nullopt;

  char last = 0;
  if (!read_at(fd.get(), &last, 1, size - 1)) return std::unexpected(os_error(file, "cannot read"));
  if (last != '\n') {
    const auto start = line_start_before(fd.get(), size);
    if (!start) return std::unexpected(os_error(file, "cannot read"));
    if (!repair)
      return std::unexpected(fmt::format(
          "{}:{}: truncated record (no newline at end of file); the chain cannot continue after it "
          "(cut the partial line off, or open with repair_truncated_tail)",
          file.string(), line_number_at(fd.get(), *start)));
    if (::ftruncate(fd.get(), *start) != 0 || ::fsync(fd.get()) != 0)
      return std::unexpected(os_error(file, "cannot cut off the truncated last record"));
    log::warning("audit: {}:{}: dropped a truncated last record ({} bytes without newline)", file.string(),
                 line_number_at(fd.get(), *start), size - *start);
    size = *start;
    if (size == 0) return std::nullopt;
  }

  const auto start = line_start_before(fd.get(), size - 1);
  if (!start) return std::unexpected(os_error(file, "cannot read"));
  const auto length = static_cast<std::size_t>(size - 1 - *start);
  if (length > max_line_bytes)
    return std::unexpected(fmt::format("{}:{}: last line is not a record ({} bytes)", file.string(),
                                       line_number_at(fd.get(), *start), length));
  std::string line(length, '\0');
  if (!read_at(fd.get(), line.data(), length, *start)) return std::unexpected(os_error(file, "cannot read"));
  auto parsed = parse_line(line);
  std::string problem = parsed ? "" : parsed.error();
  if (parsed && chain_hash(parsed->prev, parsed->body) != parsed->hash) problem = "record edited (hash mismatch)";
  if (!problem.empty())
    return std::unexpected(fmt::format("{}:{}: last record is not valid: {}; the chain cannot continue after it "
                                       "(run kizuna audit verify)",
                                       file.string(), line_number_at(fd.get(), *start), problem));
  return chain_position{parsed->seq, std::move(parsed->hash)};
}

}  // namespace

std::expected<chain_position, std::string> recover_position(const std::filesystem::path& live,
                                                            bool repair_truncated_tail) {
  auto here = last_position(live, repair_truncated_tail);
  if (!here) return std::unexpected(here.error());
  if (*here) return std::move(**here);
  auto rotated = rotated_files(live);
  if (!rotated) return std::unexpected(rotated.error());
  if (rotated->empty()) return chain_position{};
  auto there = last_position(rotated->back(), false);
  if (!there) return std::unexpected(there.error());
  if (*there) return std::move(**there);
  return std::unexpected(fmt::format("{}: rotated audit file is empty", rotated->back().string()));
}

}  // namespace kizuna::audit
