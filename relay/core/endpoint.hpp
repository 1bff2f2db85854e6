// An address to listen on or connect to: "host:port", "[v6]:port" or "unix:/path".
// Pure parsing; sockets are made by the stages that use it.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace kizuna {

struct endpoint {
  enum class kind { tcp, unix_socket };
  kind type = kind::tcp;
  std::string host;   // tcp: literal IP or host name, without brackets
  uint16_t port = 0;  // tcp: 0 means "pick a free port" (tests)
  std::string path;   // unix_socket

  std::string to_string() const;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

// Returns the endpoint or a one-line reason why `text` is not one.
std::expected<endpoint, std::string> parse_endpoint(std::string_view text);

}  // namespace kizuna
