// Token buckets per client key (admin/limits.hpp): `burst` tokens, refilled at
// `rate` per second; each request takes one or is refused. Pure: the caller
// passes the time, so tests need no clock. Not thread-safe (one per io_context).
//
// Memory is bounded by `max_clients`: when the table is full, buckets that
// have refilled completely (their client has been idle for burst/rate seconds)
// are dropped; if none has, the new client is refused (a flood from more
// addresses than that is refused rather than tracked without bound).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>

namespace kizuna::admin {

class rate_limiter {
 public:
  using clock = std::chrono::steady_clock;

  rate_limiter(double rate_per_s, double burst, std::size_t max_clients);

  // True (and one token taken) when `client` may make a request at `now`.
  bool allow(std::string_view client, clock::time_point now);
  std::size_t tracked() const { return buckets_.size(); }

 private:
  struct bucket {
    double tokens;
    clock::time_point updated;
  };
  double refilled(const bucket& b, clock::time_point now) const;
  void forget_idle(clock::time_point now);

  double rate_;
  double burst_;
  std::size_t max_clients_;
  std::unordered_map<std::string, bucket> buckets_;
};

// The rate-limit key of a peer address: IPv4 as is; IPv6 by its /64 (one site
// or host usually owns a whole /64, so per-address limits would not hold);
// IPv4-mapped IPv6 as the IPv4 address.
std::string client_key(std::string_view ip);

}  // namespace kizuna::admin
