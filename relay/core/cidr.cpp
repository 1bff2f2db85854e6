#include "relay/core/cidr.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace kizuna {
namespace {
constexpr unsigned v4_offset_bits = 96;  // ::ffff:0:0/96
}

std::expected<ip_bytes, std::string> parse_ip(std::string_view text) {
  std::string s(text);
  ip_bytes ip;
  in_addr v4{};
  if (::inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    ip.bytes[10] = 0xff;
    ip.bytes[11] = 0xff;
    const auto* p = reinterpret_cast<const uint8_t*>(&v4.s_addr);
    for (int i = 0; i < 4; ++i) ip.bytes[12 + i] = p[i];
    return ip;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    for (int i = 0; i < 16; ++i) ip.bytes[i] = v6.s6_addr[i];
    return ip;
  }
  return std::unexpected("'" + s + "' is not an IP address");
}

std::expected<cidr, std::string> cidr::parse(std::string_view text) {
  cidr c;
  c.text_ = std::string(text);
  auto slash = text.find('/');
  auto addr = text.substr(0, slash);
  auto ip = parse_ip(addr);
  if (!ip) return std::unexpected(ip.error());
  const bool is_v4 = addr.find(':') == std::string_view::npos;
  unsigned max_len = is_v4 ? 32 : 128;
  unsigned len = max_len;
  if (slash != std::string_view::npos) {
    auto bits = text.substr(slash + 1);
    auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), len);
    if (bits.empty() || ec != std::errc{} || end != bits.data() + bits.size() || len > max_len)
      return std::unexpected("prefix length must be 0.." + std::to_string(max_len));
  }
  c.prefix_ = is_v4 ? len + v4_offset_bits : len;
  c.network_ = *ip;
  // Clear host bits so "10.1.2.3/8" means 10.0.0.0/8.
  for (unsigned bit = c.prefix_; bit < 128; ++bit)
    c.network_.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80u >> (bit % 8)));
  return c;
}

bool cidr::contains(const ip_bytes& ip) const noexcept {
  unsigned full = prefix_ / 8, rest = prefix_ % 8;
  for (unsigned i = 0; i < full; ++i)
    if (ip.bytes[i] != network_.bytes[i]) return false;
  if (rest == 0) return true;
  auto mask = static_cast<uint8_t>(0xff00u >> rest);
  return (ip.bytes[full] & mask) == (network_.bytes[full] & mask);
}

}  // namespace kizuna
