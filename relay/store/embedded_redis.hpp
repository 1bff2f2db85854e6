// `redis.embedded: true`: Kizuna starts a private redis-server listening only on
// a unix socket under state_dir (no TCP port), with AOF on, and supervises it:
// restarts it if it dies, stops it (SIGTERM, then wait) at shutdown. Start-up
// is synchronous (before the I/O threads run) and waits until PING answers.
//
// Blocking: start(), ensure_running() (up to ~10 s while redis loads its AOF)
// and stop() (up to `grace`) wait on the child; call them from the main or a
// supervisor thread, never from an I/O thread.
// Refuses to start when something already answers on the socket (for example
// a redis-server left behind by a killed kizuna): two servers must never
// share one AOF. The child runs in its own process group (a Ctrl-C for kizuna
// does not stop redis before kizuna has drained) and gets SIGTERM if the
// thread that spawned it dies (PR_SET_PDEATHSIG), so it is not orphaned.
// Files under dir: redis.conf (rewritten at each start), redis.sock,
// redis.pid, redis.log, appendonlydir/.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <expected>
#include <filesystem>
#include <string>

#include "relay/core/endpoint.hpp"

namespace kizuna::store {

class embedded_redis {
 public:
  // dir: state_dir/redis (created 0700). binary: redis-server path or name in PATH.
  static std::expected<embedded_redis, std::string> start(const std::filesystem::path& dir,
                                                         const std::string& binary);
  embedded_redis(embedded_redis&&) noexcept;
  embedded_redis& operator=(embedded_redis&&) noexcept;
  ~embedded_redis();  // stop()

  endpoint address() const;            // unix:<dir>/redis.sock
  pid_t pid() const { return pid_; }   // -1 when not running (as last seen)
  bool running();                      // reaps the child if it exited
  // Restarts a dead server; returns an error text if it cannot be brought back.
  std::expected<void, std::string> ensure_running();
  void stop(std::chrono::seconds grace = std::chrono::seconds(10));

 private:
  embedded_redis() = default;
  std::expected<void, std::string> spawn();
  std::filesystem::path dir_;
  std::string binary_;
  pid_t pid_ = -1;
};

}  // namespace kizuna::store
