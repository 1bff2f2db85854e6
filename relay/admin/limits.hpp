// The admin HTTP server's limits, named once with their reasons. They are fixed:
// the server answers small requests (health probes, RFC 8058 one-click POSTs of a
// few dozen bytes, a confirmation page) and must stay cheap under abuse, since
// its /u/ URLs are printed in every marketing mail.
#pragma once

#include <chrono>
#include <cstddef>

namespace kizuna::admin::limits {

inline constexpr std::size_t max_header_bytes = 8 * 1024;   // request line + headers; past it 431
inline constexpr std::size_t max_body_bytes = 4 * 1024;     // a one-click body is 26 bytes; past it 413
inline constexpr std::size_t max_connections = 256;         // open at once; past it 503 and close
inline constexpr std::size_t max_requests_per_connection = 100;  // keep-alive requests, then close
inline constexpr auto io_timeout = std::chrono::seconds(10);     // each read (a whole request) and write
inline constexpr auto idle_timeout = std::chrono::seconds(10);   // between keep-alive requests (same read)
inline constexpr auto downstream_probe_timeout = std::chrono::seconds(5);  // /healthz TCP connect

// Per client address (IPv6: per /64) on /u/: a token bucket of `burst` requests
// refilled at `rate_per_s`; an empty bucket answers 429. At most `clients`
// addresses are tracked; idle (full) buckets are forgotten first, and when every
// tracked client is active a new one is refused until some go idle.
inline constexpr double rate_per_s = 10;
inline constexpr double burst = 20;
inline constexpr std::size_t rate_clients = 10000;

}  // namespace kizuna::admin::limits
