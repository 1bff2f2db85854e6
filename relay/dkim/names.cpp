#include "relay/dkim/names.hpp"

#include <algorithm>
#include <cctype>

#include "relay/core/address.hpp"

namespace kizuna::dkim {

bool is_selector(std::string_view s) noexcept {
  if (s.empty() || s.size() > 63) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto end = std::min(s.find('.', start), s.size());
    const auto label = s.substr(start, end - start);
    if (label.empty() || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-')) return false;
    start = end + 1;
  }
  return true;
}

std::expected<std::string, std::string> signing_domain(std::string_view text) {
  if (text.ends_with('.') && !text.ends_with("..")) text.remove_suffix(1);  // an absolute name
  if (text.starts_with('[')) return std::unexpected("an address literal cannot sign mail");
  auto d = normalize_domain(text);
  if (!d) return std::unexpected("invalid domain \"" + std::string(text) + "\": " + d.error());
  if (d->find('.') == std::string::npos)
    return std::unexpected("\"" + std::string(text) +
                           "\" is a top-level domain; DMARC alignment needs the organizational domain or below");
  return d;
}

}  // namespace kizuna::dkim
