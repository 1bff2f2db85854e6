#include "relay/admin/routes.hpp"

namespace kizuna::admin {

route match_route(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  if (path == "/healthz") return {route_kind::healthz, {}};
  if (path == "/metrics") return {route_kind::metrics, {}};
  constexpr std::string_view u = "/u/";
  if (path.starts_with(u)) {
    const std::string_view token = path.substr(u.size());
    if (!token.empty() && token.find('/') == std::string_view::npos) return {route_kind::unsubscribe, token};
  }
  return {};
}

bool method_allowed(route_kind kind, std::string_view method) {
  switch (kind) {
    case route_kind::healthz:
    case route_kind::metrics: return method == "GET" || method == "HEAD";
    case route_kind::unsubscribe: return method == "GET" || method == "HEAD" || method == "POST";
    case route_kind::not_found: return true;  // 404 whatever the method
  }
  return false;
}

std::string_view allowed_methods(route_kind kind) {
  return kind == route_kind::unsubscribe ? "GET, HEAD, POST" : "GET, HEAD";
}

}  // namespace kizuna::admin
