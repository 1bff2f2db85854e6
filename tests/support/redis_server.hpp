// A private redis-server for integration tests: unix socket in its own temp dir
// (optionally also a loopback TCP port), no persistence, started in the
// constructor and killed (SIGKILL, by pid) in the destructor. stop(), kill()
// and restart() let tests take Redis away and bring it back on the same address.
// The binary is $KIZUNA_REDIS_SERVER or `redis-server` from PATH. Failures to
// start throw std::runtime_error with the tail of the server's log.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include "relay/core/endpoint.hpp"
#include "tests/support/temp_dir.hpp"

namespace kizuna::test {

struct redis_server_options {
  std::string password;  // non-empty: --requirepass
  bool tcp = false;      // also listen on 127.0.0.1:<free port>; address() is then TCP
};

class redis_server {
 public:
  explicit redis_server(redis_server_options options = {});
  ~redis_server();
  redis_server(const redis_server&) = delete;
  redis_server& operator=(const redis_server&) = delete;

  endpoint address() const;                 // TCP if options.tcp, else unix socket
  endpoint unix_address() const;            // always the unix socket
  const std::filesystem::path& dir() const { return dir_.path(); }
  pid_t pid() const { return pid_; }

  void stop();     // SIGTERM, waits until it has exited
  void kill();     // SIGKILL, reaps it
  void restart();  // stops it if running, starts it again on the same address(es)

  // Polls PING until the server answers (any reply but -LOADING), up to `timeout`.
  bool wait_until_answering(std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

 private:
  void start();
  temp_dir dir_;
  redis_server_options options_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace kizuna::test
