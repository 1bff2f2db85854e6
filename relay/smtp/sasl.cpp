#include "relay/smtp/sasl.hpp"

namespace kizuna::smtp {
namespace {

// RFC 4616 §2: 1 to 255 octets of UTF-8 without NUL (the NUL part is given by the split).
bool valid_part(std::string_view s) { return !s.empty() && s.size() <= 255; }

}  // namespace

std::optional<sasl_credentials> parse_plain(std::string_view message) {
  const auto first = message.find('\0');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  sasl_credentials c;
  c.authzid = message.substr(0, first);
  c.user = message.substr(first + 1, second - first - 1);
  c.password = message.substr(second + 1);
  if (c.authzid.size() > 255 || !valid_part(c.user) || !valid_part(c.password) ||
      c.password.find('\0') != std::string::npos) {
    wipe(c.password);
    return std::nullopt;
  }
  return c;
}

std::string plain_response(std::string_view user, std::string_view password) {
  std::string message;
  message.reserve(user.size() + password.size() + 2);
  message += '\0';
  message += user;
  message += '\0';
  message += password;
  std::string out = base64_encode(message);
  wipe(message);
  return out;
}

void wipe(std::string& secret) noexcept {
  // Through a volatile pointer, so the stores are not dropped as dead.
  volatile char* p = secret.data();
  for (std::size_t i = 0; i < secret.size(); ++i) p[i] = 0;
  secret.clear();
}

}  // namespace kizuna::smtp
