// `kizuna serve`: owns the process. Starts the embedded Redis (if configured),
// binds every listener on every I/O thread, tells systemd READY, then handles
// signals on the main thread:
//  - SIGTERM/SIGINT: STOPPING; stop accepting; in-flight transactions finish
//    within limits.drain_timeout_s; exit 0.
//  - SIGHUP: RELOADING; re-read the config; a valid one is swapped in on every
//    thread and the admin HTTP server (listen/admin_http/threads/redis.embedded/
//    state_dir need a restart and are kept); an invalid one is refused with its
//    diagnostics and the old one stays.
//  The admin HTTP server (admin_http) starts after the workers and stops first.
#pragma once

#include <memory>

#include "relay/config/loader.hpp"

namespace kizuna::daemon {

// Returns the process exit code: 0 after a clean stop, 78 (EX_CONFIG) or 71
// (EX_OSERR) when start-up fails.
int serve(config::snapshot cfg);

}  // namespace kizuna::daemon
