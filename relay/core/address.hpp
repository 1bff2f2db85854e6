// Mail address normalization (SPEC §4, §8 "one mailbox, one key"): every
// address is reduced to its mailbox form before it becomes part of a Redis key,
// at every entry point (RCPT, kizuna optout, unsubscribe tokens, hold release,
// audit queries and reports), so "  Alice@Example.COM ", "\"alice\"@example.com",
// "\"al\\ice\"@example.com" and "alice@example.com" name the same contact, and
// "user@bücher.example" the same one as "user@xn--bcher-kva.example".
//
// Normal form:
// - ASCII whitespace around the address trimmed.
// - Local part: a quoted string (RFC 5322 §3.2.4) has its quoted-pairs
//   unescaped; when what remains reads the same unquoted (atext and dots, RFC
//   5322 §3.2.3 with RFC 6531's UTF-8), it is written unquoted: "alice" and
//   alice are one mailbox (RFC 5321 §4.1.2). Otherwise it stays quoted in one
//   spelling: only '"' and '\' escaped. Then letters are lower-cased (SPEC §4;
//   a non-ASCII local part by Unicode's rules) and UTF-8 is put in NFC.
// - Domain: lower-case A-labels (IDNA2008 with UTS #46 non-transitional
//   mapping, via libidn2: U-labels, NFD input, fullwidth letters and the
//   ideographic/fullwidth full stops all map to one form), or an address
//   literal ("[192.0.2.1]", "[ipv6:2001:db8::1]").
// normalize_address is idempotent, and a property test (tests/unit/core/
// address_test.cpp) checks that spellings of one mailbox give one key and
// spellings of different ones never collide.
//
// Deliberately permissive in the local part: dots may lead, trail or repeat
// ("taro..yamada.@docomo.ne.jp" is a real Japanese carrier address), because
// an opt-out that cannot be recorded is worse than an odd-looking key.
// Rejected: empty local part or domain, no '@' or more than one outside a
// quoted local part, control characters (quoted or not), spaces or RFC 5322
// specials in an unquoted local part, invalid UTF-8, a domain libidn2 refuses
// or whose A-labels are not letters/digits/hyphens, a normalized local part >
// 64 octets, label > 63, domain > 253, whole address > 254 octets (RFC 5321
// §4.5.3.1, RFC 3696 errata). Errors are one-line reasons for a human ("more
// than one '@'").
#pragma once

#include <expected>
#include <string>
#include <string_view>

namespace kizuna {

std::expected<std::string, std::string> normalize_address(std::string_view address);

// A cheap test for text that normalize_address (or normalize_domain) leaves as
// it is: non-empty ASCII without upper case, space, quote, backslash or '['.
// For keys read back (Redis, audit records) that are normally normal already;
// false only means "normalize it to be sure".
bool looks_normalized(std::string_view s) noexcept;

// A domain alone (opt-out by domain): same rules as the domain of an address.
std::expected<std::string, std::string> normalize_domain(std::string_view domain);

// The domain of a normalized address (after the last '@'; a quoted local part
// may contain '@'); empty if there is none.
std::string domain_of(std::string_view normalized);

}  // namespace kizuna
