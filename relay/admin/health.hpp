// GET /healthz: 200 "ok" when Redis answers PING (within redis.timeout_ms) and
// the downstream can be reached: for an SMTP downstream a TCP connection to
// host:port opens within limits::downstream_probe_timeout (closed at once, no
// SMTP spoken); for maildir the directory exists and is writable. Otherwise 503,
// one line per failed check ("redis: ...", "downstream: ..."). Both checks run
// at the same time. Nothing is cached: every request probes.
#pragma once

#include <boost/asio/awaitable.hpp>

#include "relay/admin/backend.hpp"
#include "relay/admin/exchange.hpp"

namespace kizuna::admin {

boost::asio::awaitable<response> check_health(const backend& b);

}  // namespace kizuna::admin
