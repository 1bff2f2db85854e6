// Unsubscribe tokens (SPEC §10): who asked to stop which mail, signed so that
// nobody can opt out an address they did not receive mail at.
//
// Wire form: URL-safe base64 without padding (RFC 4648 §5) of
//   version 1: 1 | scope length (1 byte) | scope | address | MAC (16 bytes)
//   version 2: 2 | scope length (1 byte) | scope | campaign length (1 byte) | campaign
//                | address | MAC (16 bytes)
// where MAC = HMAC-SHA256(key, everything before it) truncated to 16 bytes
// (RFC 2104 §5: truncation to half the output keeps 128 bits against forgery).
// The length bytes keep the fields apart, so no two claims sign the same bytes,
// and the version byte is signed too, so a version-1 token cannot be read as a
// version-2 one. The address is normalized (core/address.hpp) before signing; the
// scope is "*" or a category (core/optout_entry.hpp rules).
// Version 2 also names the campaign of the copy that carried the link (the
// X-Kizuna-Campaign value), so `kizuna audit report --summary` attributes the
// unsubscribe to it. The campaign only labels the audit record: it selects no key
// and no scope, and it is signed like the rest. 1..max_campaign_bytes bytes, no
// control characters; make_token() issues version 1 for no campaign, or one that
// does not fit (that unsubscribe is then counted for its category only).
// Version-1 tokens (links in mail sent before version 2) keep verifying.
// A token is at most max_token_chars characters (a 64-character scope, a
// 64-byte campaign and a 254-octet address make 535).
//
// Keys: keys[0] signs; verification tries every key (key rotation, config
// unsubscribe.secret_file), always all of them, comparing in constant time, so
// timing tells neither which key matched nor how much of a MAC was right.
// Tokens do not expire: RFC 8058 links must keep working in old mail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>

namespace kizuna::unsubscribe {

inline constexpr std::size_t max_token_chars = 544;
inline constexpr std::uint8_t token_version_1 = 1;  // address + scope
inline constexpr std::uint8_t token_version = 2;    // address + scope + campaign
inline constexpr std::size_t mac_bytes = 16;
// The longest campaign id a token carries: enough for ids and Japanese names
// (21 three-byte characters) while keeping the link short.
inline constexpr std::size_t max_campaign_bytes = 64;

struct token_claims {
  std::string address;   // normalized
  std::string scope;     // "*" or a category
  std::string campaign;  // "" for a version-1 token
};

// Whether make_token() can carry `campaign` (1..max_campaign_bytes, no control characters).
bool campaign_fits(std::string_view campaign) noexcept;

enum class token_error {
  malformed,        // not base64url, too short, inconsistent lengths, bad scope or address
  too_long,         // more than max_token_chars characters
  unknown_version,  // a version byte this build does not issue
  bad_signature,    // no configured key signed it (tampered, forged, or its key was retired)
  no_key,           // no key configured
};

const char* to_string(token_error e) noexcept;

// Normalizes `address` and checks `scope`; the error is one line for a human.
// A version-2 token when campaign_fits(campaign), else a version-1 token.
std::expected<std::string, std::string> make_token(std::string_view address, std::string_view scope,
                                                   std::span<const std::string> keys,
                                                   std::string_view campaign = {});

std::expected<token_claims, token_error> verify_token(std::string_view token, std::span<const std::string> keys);

}  // namespace kizuna::unsubscribe
