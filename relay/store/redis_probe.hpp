// A blocking PING over a unix socket, for start-up only (embedded_redis, the
// `kizuna check` command): never call it on an I/O thread. Bounded by
// `timeout` for connect, write and read together (per system call, so at
// most a few times `timeout` in the worst case).
#pragma once

#include <chrono>
#include <filesystem>

namespace kizuna::store {

enum class ping_result {
  pong,          // "+PONG": a redis-server is up and serving
  other_reply,   // it answered something else (-LOADING, -NOAUTH, ...): alive, maybe not ready
  no_answer,     // nothing listening (no socket, refused) or silent until the timeout
};

ping_result ping_unix_socket(const std::filesystem::path& socket, std::chrono::milliseconds timeout);

}  // namespace kizuna::store
