// One opt-out entry (SPEC §4): the value of a scope in `optout:{<addr>}` or
// `optout-domain:<domain>`, written as "at|source|reason" (at = Unix epoch
// seconds). Shared by everything that writes or reads opt-outs (kizuna optout,
// the unsubscribe endpoint, the policy evaluator, the audit report).
//
// Text fields are sanitized, never refused: an opt-out must not be lost over
// punctuation in a free-text reason. '|' becomes '/', control characters (CR,
// LF, TAB, ...) become a space, and the result is trimmed, so the value always
// splits back into exactly three fields. Decoding splits at the first two '|'
// (a reason written by another tool may still contain '|').
// Scopes: "*" (all marketing mail) or a category name of 1..64 characters from
// [A-Za-z0-9._:-], compared as written; "all" is reserved (`optout remove
// --scope all` removes every scope).
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

namespace kizuna {

struct optout_entry {
  int64_t at = 0;  // epoch seconds
  std::string source;
  std::string reason;
};

// Latest accepted `at`: 9999-12-31T23:59:59Z.
inline constexpr int64_t max_optout_epoch = 253402300799;

std::string sanitize_optout_text(std::string_view text);

// "at|source|reason" with source and reason sanitized.
std::string encode_optout_entry(const optout_entry& entry);

std::expected<optout_entry, std::string> decode_optout_entry(std::string_view value);

// Decimal epoch seconds, 0..max_optout_epoch, surrounding spaces allowed.
std::expected<int64_t, std::string> parse_epoch(std::string_view text);

// The scope as stored, or why it cannot be one.
std::expected<std::string, std::string> validate_optout_scope(std::string_view scope);

}  // namespace kizuna
