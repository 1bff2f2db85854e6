// The X-Kizuna-* control headers (SPEC §5), read from and stripped out of a
// message in wire form (CRLF lines, dot-stuffed), before any MIME parsing.
// Only the top-level header block is looked at (up to the first empty line);
// folded continuation lines belong to their field. Values are unfolded and
// trimmed; a value with control characters or longer than max_value is ignored
// (treated as absent) rather than trusted.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::mime {

inline constexpr std::size_t max_control_value = 256;

struct control_headers {
  std::optional<std::string> campaign;  // X-Kizuna-Campaign
  std::optional<std::string> category;  // X-Kizuna-Category (ASCII lower-cased)
  std::optional<std::string> persona;   // X-Kizuna-Persona
  std::optional<std::string> message_id;  // Message-ID (not a control header: for the audit record)
  bool any_control = false;             // at least one X-Kizuna-* field is present
};

control_headers read_control_headers(std::string_view wire);

// The message without any X-Kizuna-* field (every relayed copy, SPEC §5).
std::string strip_control_headers(std::string_view wire);

}  // namespace kizuna::mime
