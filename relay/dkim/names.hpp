// What a DKIM signing domain and selector may be, checked the same way where a
// key is configured (config/sections.cpp) and where one is made (`kizuna dkim
// keygen`), so keygen never makes a key the config would refuse.
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kizuna::dkim {

// A selector (RFC 6376 §3.1): dot-separated labels of letters, digits and '-', at most 63 octets.
bool is_selector(std::string_view s) noexcept;

// The d= domain: normalized (IDN to A-labels, lower case, one trailing dot
// allowed), not an address literal, and at least two labels: DMARC alignment
// needs the organizational domain or below. The error is one phrase.
std::expected<std::string, std::string> signing_domain(std::string_view text);

}  // namespace kizuna::dkim
