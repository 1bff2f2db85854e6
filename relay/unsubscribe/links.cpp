#include "relay/unsubscribe/links.hpp"

#include "relay/core/ascii.hpp"

namespace kizuna::unsubscribe {
namespace {

constexpr std::string_view mailto_prefix = "unsubscribe+";

}  // namespace

std::string url_for(std::string_view base_url, std::string_view token) {
  while (base_url.ends_with('/')) base_url.remove_suffix(1);
  std::string url;
  url.reserve(base_url.size() + 3 + token.size());
  url.append(base_url).append("/u/").append(token);
  return url;
}

std::string mailto_for(std::string_view mailto_domain, std::string_view token) {
  std::string address;
  address.reserve(mailto_prefix.size() + token.size() + 1 + mailto_domain.size());
  address.append(mailto_prefix).append(token).append("@").append(mailto_domain);
  return address;
}

std::optional<std::string> token_of_mailto(std::string_view address, std::string_view mailto_domain) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || mailto_domain.empty() || !iequals(address.substr(at + 1), mailto_domain))
    return std::nullopt;
  const auto local = address.substr(0, at);
  if (local.size() <= mailto_prefix.size() || !iequals(local.substr(0, mailto_prefix.size()), mailto_prefix))
    return std::nullopt;
  return std::string(local.substr(mailto_prefix.size()));
}

}  // namespace kizuna::unsubscribe
