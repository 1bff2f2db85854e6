#include "relay/daemon/sd_notify.hpp"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace kizuna::daemon {
namespace {

// Longest STATUS= text sent; systemctl shows one line, and a fixed buffer keeps
// notify_status() free of allocation (and so of exceptions).
constexpr size_t max_status_bytes = 1024;

// Closes the socket on every path out of notify().
class fd_guard {
 public:
  explicit fd_guard(int fd) noexcept : fd_(fd) {}
  ~fd_guard() {
    if (fd_ >= 0) ::close(fd_);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

}  // namespace

bool notify(std::string_view state) noexcept {
  const char* env = ::getenv("NOTIFY_SOCKET");
  if (env == nullptr) return false;
  const std::string_view name{env};
  // "/path" is a filesystem socket; "@name" is abstract, its '@' standing for the
  // leading NUL byte. Anything else is a transport we do not speak.
  if (name.size() < 2 || (name[0] != '/' && name[0] != '@')) return false;

  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  // A path needs room for its terminating NUL; an abstract name is length-delimited.
  const bool abstract = name[0] == '@';
  if (name.size() + (abstract ? 0 : 1) > sizeof(addr.sun_path)) return false;
  std::memcpy(addr.sun_path, name.data(), name.size());
  if (abstract) addr.sun_path[0] = '\0';
  const auto addr_len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                               (abstract ? 0 : 1));

  fd_guard fd{::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)};
  if (fd.get() < 0) return false;

  ssize_t sent;
  do {
    // MSG_NOSIGNAL: never SIGPIPE the relay because the manager went away.
    sent = ::sendto(fd.get(), state.data(), state.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), addr_len);
  } while (sent < 0 && errno == EINTR);
  return sent >= 0 && static_cast<size_t>(sent) == state.size();
}

void notify_ready() noexcept { notify("READY=1"); }

void notify_stopping() noexcept { notify("STOPPING=1"); }

void notify_reloading() noexcept {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  const auto usec = static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000u +
                    static_cast<std::uint64_t>(ts.tv_nsec) / 1'000u;

  constexpr std::string_view head = "RELOADING=1\nMONOTONIC_USEC=";
  std::array<char, head.size() + 20> buf{};  // 20 = digits of UINT64_MAX
  char* p = std::copy(head.begin(), head.end(), buf.data());
  p = std::to_chars(p, buf.data() + buf.size(), usec).ptr;
  notify({buf.data(), static_cast<size_t>(p - buf.data())});
}

void notify_status(std::string_view text) noexcept {
  constexpr std::string_view head = "STATUS=";
  if (text.size() > max_status_bytes) {
    // text[cut] is the first byte dropped; while it is a UTF-8 continuation byte
    // (10xxxxxx) back off, so a multi-byte character (Japanese in a policy name, say)
    // is dropped whole rather than split.
    size_t cut = max_status_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
    text = text.substr(0, cut);
  }
  std::array<char, head.size() + max_status_bytes> buf{};
  char* p = std::copy(head.begin(), head.end(), buf.data());
  p = std::transform(text.begin(), text.end(), p,
                     [](char c) { return c == '\n' || c == '\r' ? ' ' : c; });
  notify({buf.data(), static_cast<size_t>(p - buf.data())});
}

}  // namespace kizuna::daemon
