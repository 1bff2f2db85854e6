// The key file of unsubscribe.secret_file (SPEC §10): one HMAC key per line,
// hex (`openssl rand -hex 32`) or base64, standard or URL-safe, padded or not
// (`openssl rand -base64 32`). A line of only hex digits of even length is hex.
// Surrounding spaces, blank lines and lines starting with '#' are skipped.
//
// The first key signs new tokens; every key verifies (rotation: put a new key
// first, reload, and remove the old line once mail carrying old links no longer
// matters). Limits: each key at least min_key_bytes (RFC 2104 §3: no shorter
// than the hash output) and at most max_key_chars long; at most max_keys keys
// (each verification tries every key).
//
// Errors carry the 1-based line and column of the problem in the file.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::config {

inline constexpr std::size_t min_key_bytes = 32;
inline constexpr std::size_t max_key_chars = 1024;
inline constexpr std::size_t max_keys = 16;

struct key_problem {
  int line = 0;
  int column = 0;
  std::string message;
};

// The decoded keys in file order (possibly none), or every problem found.
std::expected<std::vector<std::string>, std::vector<key_problem>> parse_secret_keys(std::string_view text);

}  // namespace kizuna::config
