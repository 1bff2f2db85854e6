// Mail address normalization (SPEC §4): every address is normalized before it
// becomes part of a Redis key, so "  Alice@Example.COM " and "alice@example.com"
// name the same contact, and "user@bücher.example" the same one as
// "user@xn--bcher-kva.example".
//
// Normal form: ASCII whitespace trimmed; local part with ASCII letters
// lower-cased (SPEC §4; non-ASCII bytes of a UTF-8 local part (RFC 6531) are
// kept as they are, quoted local parts are kept with their quotes); domain as
// lower-case A-labels (IDNA2008 with UTS #46 non-transitional mapping, via
// libidn2), or an address literal ("[192.0.2.1]", "[ipv6:2001:db8::1]").
//
// Deliberately permissive in the local part: dots may lead, trail or repeat
// ("taro..yamada.@docomo.ne.jp" is a real Japanese carrier address), because
// an opt-out that cannot be recorded is worse than an odd-looking key.
// Rejected: empty local part or domain, no '@' or more than one outside a
// quoted local part, control characters, spaces or RFC 5322 specials in an
// unquoted local part, invalid UTF-8, a domain libidn2 refuses or whose
// A-labels are not letters/digits/hyphens, local part > 64 octets, label > 63,
// domain > 253, whole address > 254 octets (RFC 5321 §4.5.3.1, RFC 3696 errata).
// Errors are one-line reasons for a human ("more than one '@'").
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kizuna {

std::expected<std::string, std::string> normalize_address(std::string_view address);

// A domain alone (opt-out by domain): same rules as the domain of an address.
std::expected<std::string, std::string> normalize_domain(std::string_view domain);

// The domain of a normalized address (after the last '@'; a quoted local part
// may contain '@'); empty if there is none.
std::string domain_of(std::string_view normalized);

}  // namespace kizuna
