#include "relay/unsubscribe/token.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstdlib>

#include "relay/core/address.hpp"
#include "relay/core/base64.hpp"
#include "relay/core/optout_entry.hpp"
#include "relay/core/sha256.hpp"

namespace kizuna::unsubscribe {
namespace {

// version + scope length + at least one character of scope and of address.
constexpr std::size_t min_payload_bytes = 2 + 1 + 1 + mac_bytes;

using mac = std::array<unsigned char, mac_bytes>;

mac sign(std::string_view key, std::string_view data) {
  sha256_digest full = hmac_sha256(key, data);
  mac out;
  std::copy_n(full.begin(), mac_bytes, out.begin());
  OPENSSL_cleanse(full.data(), full.size());
  return out;
}

std::string signed_part(std::string_view scope, std::string_view campaign, std::string_view address) {
  std::string bytes;
  bytes.reserve(3 + scope.size() + campaign.size() + address.size() + mac_bytes);
  bytes += static_cast<char>(campaign.empty() ? token_version_1 : token_version);
  bytes += static_cast<char>(scope.size());
  bytes.append(scope);
  if (!campaign.empty()) {
    bytes += static_cast<char>(campaign.size());
    bytes.append(campaign);
  }
  bytes.append(address);
  return bytes;
}

}  // namespace

const char* to_string(token_error e) noexcept {
  switch (e) {
    case token_error::malformed: return "malformed token";
    case token_error::too_long: return "token too long";
    case token_error::unknown_version: return "unknown token version";
    case token_error::bad_signature: return "signature does not match any key";
    case token_error::no_key: return "no key configured";
  }
  return "invalid token";
}

bool campaign_fits(std::string_view campaign) noexcept {
  return !campaign.empty() && campaign.size() <= max_campaign_bytes &&
         std::ranges::none_of(campaign, [](char c) {
           const auto u = static_cast<unsigned char>(c);
           return u < 0x20 || u == 0x7f;
         });
}

std::expected<std::string, std::string> make_token(std::string_view address, std::string_view scope,
                                                   std::span<const std::string> keys, std::string_view campaign) {
  if (keys.empty()) return std::unexpected("no key configured (unsubscribe.secret_file)");
  auto normalized = normalize_address(address);
  if (!normalized) return std::unexpected("address: " + normalized.error());
  auto checked = validate_optout_scope(scope);
  if (!checked) return std::unexpected("scope: " + checked.error());
  std::string bytes = signed_part(*checked, campaign_fits(campaign) ? campaign : std::string_view(), *normalized);
  const mac m = sign(keys.front(), bytes);
  bytes.append(reinterpret_cast<const char*>(m.data()), m.size());
  return base64_encode(bytes, base64_alphabet::url, /*pad=*/false);
}

std::expected<token_claims, token_error> verify_token(std::string_view token, std::span<const std::string> keys) {
  if (keys.empty()) return std::unexpected(token_error::no_key);
  if (token.size() > max_token_chars) return std::unexpected(token_error::too_long);
  if (token.find('=') != std::string_view::npos) return std::unexpected(token_error::malformed);
  auto bytes = base64_decode(token, base64_alphabet::url, /*padding_optional=*/true);
  if (!bytes || bytes->size() < min_payload_bytes) return std::unexpected(token_error::malformed);
  const auto version = static_cast<unsigned char>((*bytes)[0]);
  if (version != token_version_1 && version != token_version) return std::unexpected(token_error::unknown_version);
  const std::size_t scope_size = static_cast<unsigned char>((*bytes)[1]);
  const std::size_t body_size = bytes->size() - mac_bytes;
  if (scope_size == 0 || 2 + scope_size >= body_size) return std::unexpected(token_error::malformed);
  std::size_t address_at = 2 + scope_size;
  std::size_t campaign_size = 0;
  if (version == token_version) {
    campaign_size = static_cast<unsigned char>((*bytes)[address_at]);
    if (campaign_size == 0 || campaign_size > max_campaign_bytes || address_at + 1 + campaign_size >= body_size)
      return std::unexpected(token_error::malformed);
    address_at += 1 + campaign_size;
  }

  const std::string_view body(bytes->data(), body_size);
  const std::string_view given(bytes->data() + body_size, mac_bytes);
  int matched = 0;
  for (const auto& key : keys) {  // every key, whatever matched before
    const mac m = sign(key, body);
    matched |= CRYPTO_memcmp(m.data(), given.data(), mac_bytes) == 0;
  }
  if (!matched) return std::unexpected(token_error::bad_signature);

  // Only what make_token() signs verifies, so these hold unless a key leaked;
  // checked anyway, as the address becomes part of a Redis key.
  token_claims claims{std::string(body.substr(address_at)), std::string(body.substr(2, scope_size)),
                      std::string(body.substr(address_at - campaign_size, campaign_size))};
  auto normalized = normalize_address(claims.address);
  if (!normalized || *normalized != claims.address || !validate_optout_scope(claims.scope) ||
      (version == token_version && !campaign_fits(claims.campaign)))
    return std::unexpected(token_error::malformed);
  return claims;
}

}  // namespace kizuna::unsubscribe
