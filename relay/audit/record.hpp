// One audit record: a decision about one recipient of one message (SPEC §9), or
// the outcome of a relayed copy. The log holds decisions, never message bodies
// or merge values.
//
// Write-ahead (issue 11): a copy is relayed in two records that share its
// copy_id: `relay` (downstream_reply "") is on disk before the copy's first byte
// leaves, `outcome` (downstream_reply = the downstream's reply) follows. A relay
// without an outcome (the relay stopped in between) may have been delivered.
//
// File format (JSON Lines, UTF-8, one record per line, each line ends with "\n"):
//
//   {"ts":"2026-11-22T15:04:05.123Z","seq":1,"instance":"mx1","message_id":"6B030F29000001",
//    "campaign":"spring","category":"newsletter","rcpt":"a@example.org","decision":"relay",
//    "rule":"","policy_version":"…","persona":"","downstream_reply":"250 2.0.0 Ok",
//    "copy_id":"…-0","dkim":"d=example.com s=k2026","prev":"000…000","hash":"<64 lowercase hex>"}
//                                                                        (one line in the file)
//
// - Keys appear exactly in that order, with no whitespace anywhere outside strings.
//   copy_id is written only when not empty (relay and outcome records); so is dkim
//   (relay intents and releases under a `dkim` config: "d=<domain> s=<selector>..."
//   naming the signature(s) the copy carries, or "unsigned: <why>").
// - `ts` is RFC 3339 UTC with milliseconds ("YYYY-MM-DDTHH:MM:SS.mmmZ"); `seq` is a JSON
//   integer, 1 for the first record of a chain, +1 for each following record; every other
//   value is a string, "" when unknown (never null). `decision` is one of relay, drop,
//   reject, defer, hold, unsubscribe, release, discard, bounce, outcome.
// - Strings are escaped like Python's json.dumps(..., ensure_ascii=False): `"` → \",
//   `\` → \\, \b \f \n \r \t, other control characters below U+0020 → \u00XX (lowercase
//   hex); everything else, non-ASCII included, is written as raw UTF-8. Bytes that are
//   not valid UTF-8 (from peers) are replaced by U+FFFD, so every line is valid JSON.
//
// Chain rule: let P be the line's bytes before `,"hash":` — the canonical JSON of the
// record without its hash field, minus the closing "}". Then
//     hash = lowercase hex SHA-256( prev + "\n" + P )
// where prev (also stored in the record) is the previous record's hash, or 64 "0"s for
// the first record of the chain. The chain never restarts: it continues across restarts
// and across rotated files (log_writer.hpp), so editing, removing or reordering any
// record breaks it (verifier.hpp). Removing records from the very end cannot be seen
// from the file alone: keep the last hash `kizuna audit verify` prints somewhere else.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kizuna::audit {

enum class action { relay, drop, reject, defer, hold, unsubscribe, release, discard, bounce, outcome };

const char* to_string(action a) noexcept;
std::optional<action> parse_action(std::string_view s) noexcept;

struct record {
  std::chrono::system_clock::time_point ts{};  // when decided; the epoch (default) = stamped when written
  std::string instance;                        // "" = the writer's instance name (hostname)
  std::string message_id;
  std::string campaign;
  std::string category;
  std::string rcpt;
  action decision = action::relay;
  std::string rule;                            // the deciding rule id ("" = default)
  std::string policy_version;                  // hash of the loaded policy files
  std::string persona;
  std::string downstream_reply;                // e.g. "250 2.0.0 Ok", "" when nothing was sent (yet)
  std::string copy_id;                         // relay and outcome records: "<transaction id>-<n>"
  std::string dkim;                            // relay intents: "d=<domain> s=<selector>..." or "unsigned: <why>"
};

// Rules of outcome records that are not a plain downstream reply.
// The final "." was written and no reply came (connection lost, timeout): possibly delivered.
inline constexpr std::string_view in_doubt_rule = "builtin:in-doubt";
// The relay decided to send but nothing was sent (the copy could not be built,
// the ledger could not be marked): downstream_reply says what the client got.
inline constexpr std::string_view not_sent_rule = "builtin:not-sent";

// The rule of an unsubscribe record for a scope that was opted out already (a
// second click, or mail to the unsubscribe address again): a repeat, which
// `kizuna audit report --summary` does not count as an unsubscribe. The route
// shows in message_id: the mail transaction's id for mailto, "" for one-click.
inline constexpr std::string_view already_opted_out_rule = "builtin:already-opted-out";

// The prev of the first record of a chain: 64 zeros.
inline constexpr std::string_view genesis_hash =
    "0000000000000000000000000000000000000000000000000000000000000000";

}  // namespace kizuna::audit
