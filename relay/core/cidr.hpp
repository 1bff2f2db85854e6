// An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "::1/128", or a bare
// address meaning /32 or /128), for allow_clients. IPv4-mapped IPv6 clients
// (::ffff:a.b.c.d) match IPv4 networks, as a dual-stack listener sees them.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace kizuna {

struct ip_bytes {
  std::array<uint8_t, 16> bytes{};  // IPv4 is stored as IPv4-mapped IPv6
};

std::expected<ip_bytes, std::string> parse_ip(std::string_view text);

class cidr {
 public:
  static std::expected<cidr, std::string> parse(std::string_view text);
  bool contains(const ip_bytes& ip) const noexcept;
  const std::string& text() const noexcept { return text_; }

 private:
  ip_bytes network_;
  unsigned prefix_ = 0;  // in bits over the 128-bit (mapped) form
  std::string text_;
};

}  // namespace kizuna
