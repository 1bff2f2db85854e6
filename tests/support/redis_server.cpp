#include "tests/support/redis_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace kizuna::test {
namespace {

using namespace std::chrono_literals;

struct fd_guard {
  int fd;
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
};

// A loopback port nobody listens on right now (bind to 0, read it, release it).
uint16_t free_tcp_port() {
  fd_guard s{::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (s.fd < 0 || ::bind(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(s.fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::runtime_error("redis_server: cannot find a free TCP port");
  return ntohs(addr.sin_port);
}

// One blocking PING; the reply's first line, or empty if nobody answered.
std::string ping_once(const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  if (path.size() >= sizeof addr.sun_path) return {};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  fd_guard s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return {};
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(s.fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return {};
  if (::send(s.fd, "PING\r\n", 6, MSG_NOSIGNAL) != 6) return {};
  std::string reply;
  char buf[256];
  while (reply.find("\r\n") == std::string::npos && reply.size() < 1024) {
    ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    reply.append(buf, static_cast<size_t>(n));
  }
  return reply;
}

std::string log_tail(const std::filesystem::path& log) {
  std::ifstream in(log);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

redis_server::redis_server(redis_server_options options) : options_(std::move(options)) {
  if (options_.tcp) port_ = free_tcp_port();
  start();
}

redis_server::~redis_server() { kill(); }

endpoint redis_server::unix_address() const {
  endpoint ep;
  ep.type = endpoint::kind::unix_socket;
  ep.path = (dir_.path() / "redis.sock").string();
  return ep;
}

endpoint redis_server::address() const {
  if (!options_.tcp) return unix_address();
  endpoint ep;
  ep.type = endpoint::kind::tcp;
  ep.host = "127.0.0.1";
  ep.port = port_;
  return ep;
}

void redis_server::start() {
  const char* env = std::getenv("KIZUNA_REDIS_SERVER");
  const std::string binary = env && *env ? env : "redis-server";
  std::vector<std::string> args{binary,
                                "--port", std::to_string(port_),
                                "--bind", "127.0.0.1",
                                "--unixsocket", unix_address().path,
                                "--unixsocketperm", "700",
                                "--save", "",
                                "--appendonly", "no",
                                "--dir", dir_.path().string(),
                                "--logfile", (dir_.path() / "redis.log").string()};
  if (!options_.password.empty()) {
    args.push_back("--requirepass");
    args.push_back(options_.password);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("redis_server: fork failed");
  if (pid == 0) {
    // Dies with the test binary even if it aborts before the destructor runs.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("redis_server: " + binary + " exited during start-up:\n" +
                               log_tail(dir_.path() / "redis.log"));
    }
    if (wait_until_answering(20ms)) return;
  }
  kill();
  throw std::runtime_error("redis_server: no answer to PING within 5 s:\n" + log_tail(dir_.path() / "redis.log"));
}

bool redis_server::wait_until_answering(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = 1ms;
  for (;;) {
    const std::string reply = ping_once(unix_address().path, std::max(timeout, 100ms));
    // -NOAUTH (password set) is an answer too; -LOADING is not ready yet.
    if (!reply.empty() && !reply.starts_with("-LOADING")) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, 20ms);
  }
}

void redis_server::stop() {
  if (pid_ <= 0) return;
  const pid_t pid = std::exchange(pid_, -1);
  ::kill(pid, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  auto pause = 1ms;
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid, &status, WNOHANG) != 0) return;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, 20ms);
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
}

void redis_server::kill() {
  if (pid_ <= 0) return;
  const pid_t pid = std::exchange(pid_, -1);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

void redis_server::restart() {
  stop();
  start();
}

}  // namespace kizuna::test
