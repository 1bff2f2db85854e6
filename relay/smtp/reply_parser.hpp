// Parses the replies a downstream server sends (RFC 5321 §4.2): one or more
// lines "NNN-text" ending with "NNN text", all with the same code. Pure; the
// client feeds it what it has read and learns how many bytes one reply took.
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

struct parsed_reply {
  reply value;                     // code, enhanced status (if present), text of the last line
  std::vector<std::string> lines;  // text of every line (EHLO keywords live here)
  std::size_t consumed = 0;        // bytes of input this reply took, CRLFs included
};

inline constexpr std::size_t max_reply_bytes = 64 * 1024;

enum class reply_error { malformed, too_long };

// nullopt: more input needed. Accepts bare LF line ends (lenient to peers).
std::expected<std::optional<parsed_reply>, reply_error> parse_reply(std::string_view input);

}  // namespace kizuna::smtp
