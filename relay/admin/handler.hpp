// Routes one admin request (routes.hpp) to its handler and adds what every
// response carries (no caching, no sniffing, no referrer: /u/ URLs hold a
// token). The per-client rate limit applies to /u/ (429, Retry-After: 1).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "relay/admin/backend.hpp"
#include "relay/admin/exchange.hpp"
#include "relay/admin/rate_limiter.hpp"

namespace kizuna::admin {

boost::asio::awaitable<response> handle(const request& req, const backend& b, rate_limiter& limiter);

}  // namespace kizuna::admin
