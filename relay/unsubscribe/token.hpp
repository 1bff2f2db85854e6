// Unsubscribe tokens (SPEC §10): who asked to stop which mail, signed so that
// nobody can opt out an address they did not receive mail at.
//
// Wire form: URL-safe base64 without padding (RFC 4648 §5) of
//   version (1 byte, 1) | scope length (1 byte) | scope | address | MAC (16 bytes)
// where MAC = HMAC-SHA256(key, everything before it) truncated to 16 bytes
// (RFC 2104 §5: truncation to half the output keeps 128 bits against forgery).
// The length byte keeps scope and address apart, so no two (scope, address)
// pairs sign the same bytes. The address is normalized (core/address.hpp) before
// signing; the scope is "*" or a category (core/optout_entry.hpp rules).
// A token is at most max_token_chars characters (a 64-character scope and a
// 254-octet address make 448).
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

inline constexpr std::size_t max_token_chars = 512;
inline constexpr std::uint8_t token_version = 1;
inline constexpr std::size_t mac_bytes = 16;

struct token_claims {
  std::string address;  // normalized
  std::string scope;    // "*" or a category
};

enum class token_error {
  malformed,        // not base64url, too short, inconsistent lengths, bad scope or address
  too_long,         // more than max_token_chars characters
  unknown_version,  // a version byte this build does not issue
  bad_signature,    // no configured key signed it (tampered, forged, or its key was retired)
  no_key,           // no key configured
};

const char* to_string(token_error e) noexcept;

// Normalizes `address` and checks `scope`; the error is one line for a human.
std::expected<std::string, std::string> make_token(std::string_view address, std::string_view scope,
                                                   std::span<const std::string> keys);

std::expected<token_claims, token_error> verify_token(std::string_view token, std::span<const std::string> keys);

}  // namespace kizuna::unsubscribe
