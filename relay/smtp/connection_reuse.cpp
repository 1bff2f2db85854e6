#include "relay/smtp/connection_reuse.hpp"

#include <cerrno>

namespace kizuna::smtp {

idle_peek classify_idle_peek(long n, int err) {
  if (n == 0) return idle_peek::closed;
  if (n > 0) return idle_peek::unexpected_input;
  if (err == EAGAIN || err == EWOULDBLOCK) return idle_peek::quiet;
  return idle_peek::failed;
}

const char* describe(idle_peek p) {
  switch (p) {
    case idle_peek::quiet: return "open";
    case idle_peek::closed: return "closed by the server";
    case idle_peek::unexpected_input: return "input waiting while idle";
    case idle_peek::failed: return "socket error";
  }
  return "?";
}

bool retry_on_fresh_connection(const transaction_progress& p, bool reused_connection, unsigned retries) {
  return p.connection_lost && !p.final_dot_started && reused_connection && retries == 0;
}

}  // namespace kizuna::smtp
