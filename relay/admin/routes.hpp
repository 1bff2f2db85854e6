// The admin server's URL space (SPEC §3, §10):
//   /healthz      GET, HEAD         liveness of Redis and the downstream
//   /metrics      GET, HEAD         Prometheus text format 0.0.4 (SPEC §11)
//   /u/<token>    GET, HEAD, POST   unsubscribe confirmation page / one-click (RFC 8058)
// Anything else is 404; a known path with another method is 405 (with Allow).
// The query string is ignored; the path is matched as sent (no percent-decoding:
// a token is base64url and needs none).
#pragma once

#include <string_view>

namespace kizuna::admin {

enum class route_kind { healthz, metrics, unsubscribe, not_found };

struct route {
  route_kind kind = route_kind::not_found;
  std::string_view token;  // unsubscribe: the segment after "/u/" (not yet verified)
};

route match_route(std::string_view target);

bool method_allowed(route_kind kind, std::string_view method);

// The Allow header of a 405 for `kind`.
std::string_view allowed_methods(route_kind kind);

}  // namespace kizuna::admin
