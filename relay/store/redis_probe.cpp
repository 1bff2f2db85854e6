#include "relay/store/redis_probe.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace kizuna::store {

ping_result ping_unix_socket(const std::filesystem::path& socket, std::chrono::milliseconds timeout) {
  const std::string& path = socket.native();
  sockaddr_un addr{};
  if (path.size() >= sizeof(addr.sun_path)) return ping_result::no_answer;
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);

  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ping_result::no_answer;
  struct closer {
    int fd;
    ~closer() { ::close(fd); }
  } guard{fd};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) return ping_result::no_answer;

  constexpr std::string_view ping = "PING\r\n";
  if (::send(fd, ping.data(), ping.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(ping.size()))
    return ping_result::no_answer;

  std::array<char, 256> buf{};  // one status line; anything longer is "other"
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::recv(fd, buf.data() + got, buf.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
    if (std::string_view(buf.data(), got).find("\r\n") != std::string_view::npos) break;
  }
  std::string_view reply(buf.data(), got);
  if (reply.starts_with("+PONG\r\n")) return ping_result::pong;
  return got > 0 ? ping_result::other_reply : ping_result::no_answer;
}

}  // namespace kizuna::store
