// kizuna::errc — the one error enum for everything a peer, the network, Redis or
// the downstream MTA can cause (Envoy's first error tier). Config errors are
// diagnostics (config/diagnostic.hpp); broken invariants assert.
#pragma once

#include <boost/system/error_code.hpp>

namespace kizuna {

using error_code = boost::system::error_code;

enum class errc {
  ok = 0,
  timeout,                  // a deadline on a read, write, connect or round trip expired
  line_too_long,            // a peer sent a line past the configured limit
  protocol_violation,       // a peer answered something a conforming peer never sends
  message_too_large,        // the DATA stream exceeded max_message_bytes
  redis_unavailable,        // no connection to Redis could be made or kept
  redis_error,              // Redis answered with an error reply or malformed data
  downstream_unavailable,   // no connection to the downstream MTA could be made
  downstream_tempfail,      // the downstream MTA answered 4xx
  downstream_permfail,      // the downstream MTA answered 5xx
  shutting_down,            // the relay is draining and takes no new work
  io_failure,               // a local file operation (maildir, state_dir) failed
};

const boost::system::error_category& kizuna_category() noexcept;

inline error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), kizuna_category()};
}

}  // namespace kizuna

template <>
struct boost::system::is_error_code_enum<kizuna::errc> : std::true_type {};
