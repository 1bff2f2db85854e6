// The SASL pieces of SMTP AUTH that need no I/O (RFC 4954): strict base64
// (RFC 4648 §4: padding required, no whitespace, no trailing bits), the PLAIN
// message (RFC 4616) and the LOGIN prompts (draft-murchison-sasl-login).
//
// Limits: an AUTH continuation line may be 12288 octets (RFC 4954 §4); PLAIN's
// authcid and passwd are at most 255 octets each (RFC 4616 §2).
// Errors: malformed input yields std::nullopt; the caller picks the reply.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "relay/core/base64.hpp"

namespace kizuna::smtp {

// RFC 4954 §4: the longest AUTH continuation line, without CRLF.
inline constexpr std::size_t max_sasl_line = 12288;

// Base64 of "Username:" and "Password:", LOGIN's two challenges.
inline constexpr std::string_view login_user_prompt = "VXNlcm5hbWU6";
inline constexpr std::string_view login_password_prompt = "UGFzc3dvcmQ6";

// Strict RFC 4648 base64 (padding required, canonical): the one in core.
using kizuna::base64_decode;
using kizuna::base64_encode;

struct sasl_credentials {
  std::string authzid;  // PLAIN's authorization identity; empty when not sent
  std::string user;
  std::string password;
};

// RFC 4616: [authzid] NUL authcid NUL passwd, no part holding a NUL. authcid and
// passwd must be non-empty (the ABNF allows an empty passwd; no account has one).
std::optional<sasl_credentials> parse_plain(std::string_view message);

// The base64 initial response for AUTH PLAIN (empty authzid).
std::string plain_response(std::string_view user, std::string_view password);

// Overwrites a secret before its memory is released or reused.
void wipe(std::string& secret) noexcept;

}  // namespace kizuna::smtp
