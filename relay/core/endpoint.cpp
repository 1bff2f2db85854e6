#include "relay/core/endpoint.hpp"

#include <charconv>

namespace kizuna {

std::string endpoint::to_string() const {
  if (type == kind::unix_socket) return "unix:" + path;
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

std::expected<endpoint, std::string> parse_endpoint(std::string_view text) {
  endpoint ep;
  if (text.starts_with("unix:")) {
    ep.type = endpoint::kind::unix_socket;
    ep.path = std::string(text.substr(5));
    if (ep.path.empty() || ep.path.front() != '/')
      return std::unexpected("unix socket path must be absolute");
    if (ep.path.size() > 107) return std::unexpected("unix socket path longer than 107 bytes");
    return ep;
  }
  std::string_view host, port;
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
      return std::unexpected("expected [ipv6]:port");
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) return std::unexpected("expected host:port or unix:/path");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return std::unexpected("an IPv6 address must be written [addr]:port");
  }
  if (host.empty()) return std::unexpected("missing host");
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc{} || end != port.data() + port.size() || value > 65535)
    return std::unexpected("port must be a number from 0 to 65535");
  ep.host = std::string(host);
  ep.port = static_cast<uint16_t>(value);
  return ep;
}

}  // namespace kizuna
