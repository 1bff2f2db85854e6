#include "relay/store/embedded_redis.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "relay/core/log.hpp"
#include "relay/store/redis_probe.hpp"

namespace kizuna::store {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr auto start_timeout = 10s;  // loading a large AOF takes a while
constexpr auto probe_timeout = 500ms;
constexpr std::size_t max_unix_path = 107;  // sizeof(sockaddr_un::sun_path) - 1

// A value in redis.conf syntax (sdssplitargs): double quotes, backslash escapes.
std::string conf_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: out += c;
    }
  }
  return out + "\"";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exit status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("killed by signal {}", WTERMSIG(status));
  return fmt::format("wait status {}", status);
}

// The last non-empty line of redis.log, so an error message says why redis died.
std::string last_log_line(const fs::path& log) {
  std::ifstream in(log, std::ios::binary);
  if (!in) return "(no log)";
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  const std::streamoff tail = std::min<std::streamoff>(size, 4096);
  in.seekg(size - tail);
  std::string text(static_cast<std::size_t>(tail), '\0');
  in.read(text.data(), tail);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  auto nl = text.rfind('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}

// A binary name without '/' is looked up in PATH here, before fork(), so the
// child only has to call execv (async-signal-safe).
std::string resolve_binary(const std::string& binary) {
  if (binary.find('/') != std::string::npos) return binary;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + binary;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return {};
}

bool write_config(const fs::path& dir, std::string& error) {
  const fs::path conf = dir / "redis.conf";
  std::ofstream out(conf, std::ios::trunc);
  out << "# Written by kizuna at every start of the embedded redis-server; edits are lost.\n"
      << "port 0\n"
      << "unixsocket " << conf_quote((dir / "redis.sock").string()) << "\n"
      << "unixsocketperm 700\n"
      << "protected-mode yes\n"
      << "daemonize no\n"
      << "supervised no\n"
      << "dir " << conf_quote(dir.string()) << "\n"
      << "pidfile " << conf_quote((dir / "redis.pid").string()) << "\n"
      << "logfile " << conf_quote((dir / "redis.log").string()) << "\n"
      << "always-show-logo no\n"
      << "save \"\"\n"
      << "appendonly yes\n"
      << "appendfsync everysec\n";
  out.close();
  if (!out) {
    error = fmt::format("cannot write {}", conf.string());
    return false;
  }
  ::chmod(conf.c_str(), 0600);
  return true;
}

}  // namespace

std::expected<embedded_redis, std::string> embedded_redis::start(const std::filesystem::path& dir,
                                                                 const std::string& binary) {
  std::error_code ec;
  const fs::path abs = fs::absolute(dir, ec);
  if (ec) return std::unexpected(fmt::format("embedded redis: bad directory {}: {}", dir.string(), ec.message()));
  fs::create_directories(abs, ec);
  if (ec) return std::unexpected(fmt::format("embedded redis: cannot create {}: {}", abs.string(), ec.message()));
  fs::permissions(abs, fs::perms::owner_all, fs::perm_options::replace, ec);
  if (ec) return std::unexpected(fmt::format("embedded redis: cannot chmod 0700 {}: {}", abs.string(), ec.message()));
  if ((abs / "redis.sock").string().size() > max_unix_path)
    return std::unexpected(fmt::format("embedded redis: socket path {} is longer than {} bytes; use a shorter state_dir",
                                       (abs / "redis.sock").string(), max_unix_path));
  std::string error;
  if (!write_config(abs, error)) return std::unexpected("embedded redis: " + error);

  embedded_redis r;
  r.dir_ = abs;
  r.binary_ = binary;
  if (auto spawned = r.spawn(); !spawned) return std::unexpected(spawned.error());
  return r;
}

embedded_redis::embedded_redis(embedded_redis&& other) noexcept
    : dir_(std::move(other.dir_)), binary_(std::move(other.binary_)), pid_(std::exchange(other.pid_, -1)) {}

embedded_redis& embedded_redis::operator=(embedded_redis&& other) noexcept {
  if (this != &other) {
    stop();
    dir_ = std::move(other.dir_);
    binary_ = std::move(other.binary_);
    pid_ = std::exchange(other.pid_, -1);
  }
  return *this;
}

embedded_redis::~embedded_redis() { stop(); }

endpoint embedded_redis::address() const {
  endpoint ep;
  ep.type = endpoint::kind::unix_socket;
  ep.path = (dir_ / "redis.sock").string();
  return ep;
}

bool embedded_redis::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == pid_)
    log::warning("[redis] embedded redis-server (pid {}) exited: {}; last log line: {}", pid_,
                 describe_status(status), last_log_line(dir_ / "redis.log"));
  else
    log::warning("[redis] embedded redis-server (pid {}) is gone: {}", pid_, std::strerror(errno));
  pid_ = -1;
  return false;
}

std::expected<void, std::string> embedded_redis::ensure_running() {
  if (running()) return {};
  log::info("[redis] starting the embedded redis-server again");
  return spawn();
}

std::expected<void, std::string> embedded_redis::spawn() {
  const fs::path socket = dir_ / "redis.sock";
  const fs::path log_file = dir_ / "redis.log";
  if (ping_unix_socket(socket, probe_timeout) != ping_result::no_answer) {
    std::string holder;
    std::ifstream pidfile(dir_ / "redis.pid");
    if (long pid = 0; pidfile >> pid) holder = fmt::format(" (pid {} per {})", pid, (dir_ / "redis.pid").string());
    return std::unexpected(fmt::format(
        "embedded redis: another redis-server already answers on unix:{}{}; it may have been left running by "
        "an earlier kizuna. Stop it, or point state_dir elsewhere: two servers must not share one AOF",
        socket.string(), holder));
  }

  const std::string path = resolve_binary(binary_);
  if (path.empty()) return std::unexpected(fmt::format("embedded redis: '{}' not found in PATH", binary_));
  const std::string conf = (dir_ / "redis.conf").string();
  // Everything the child needs is prepared here: between fork and exec only
  // async-signal-safe calls are allowed (other threads may hold malloc's lock).
  std::vector<char*> argv{const_cast<char*>(path.c_str()), const_cast<char*>(conf.c_str()), nullptr};
  sigset_t no_signals;
  sigemptyset(&no_signals);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) return std::unexpected(fmt::format("embedded redis: fork failed: {}", std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    ::sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
    ::close_range(3, ~0U, 0);  // no listener or client socket of kizuna leaks into redis
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;

  const auto deadline = std::chrono::steady_clock::now() + start_timeout;
  auto pause = 2ms;
  for (;;) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return std::unexpected(fmt::format("embedded redis: {} exited during start-up ({}); {}: {}", path,
                                         describe_status(status), log_file.string(), last_log_line(log_file)));
    }
    if (ping_unix_socket(socket, probe_timeout) == ping_result::pong) {
      log::info("[redis] embedded redis-server running (pid {}) on unix:{}", pid_, socket.string());
      return {};
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  const std::string last = last_log_line(log_file);
  stop(std::chrono::seconds(2));
  return std::unexpected(fmt::format("embedded redis: no PONG on unix:{} within {} s; {}: {}", socket.string(),
                                     start_timeout.count(), log_file.string(), last));
}

void embedded_redis::stop(std::chrono::seconds grace) {
  if (pid_ <= 0) return;
  const pid_t pid = std::exchange(pid_, -1);
  int status = 0;
  if (::kill(pid, SIGTERM) != 0) {
    ::waitpid(pid, &status, 0);  // already gone: reap it
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  auto pause = 1ms;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) return;
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  log::warning("[redis] embedded redis-server (pid {}) did not stop within {} s; killing it", pid, grace.count());
  ::kill(pid, SIGKILL);
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace kizuna::store
