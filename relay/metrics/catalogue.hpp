// Every metric Kizuna exposes (SPEC §11, issue 13), declared in one place with
// its labels, so the metric list in docs/operations.md, the dashboard and the
// code cannot drift apart. The relay holds one catalogue beside its registry;
// each I/O thread increments its own shard with the ids below, e.g.
//   shard.inc(cat.recipients, {index(decision::reject), cat_rules->slot("builtin:optout")});
//
// Fixed labels are enums here (the value's index is the enum's value); bounded
// labels are registry dimensions, set at config load/reload:
// - listener: one value per `listen` entry, its address as written
//   ("127.0.0.1:2525", "unix:/run/kizuna/lmtp.sock"); at most max_listeners.
// - rule: the loaded policy's rule ids plus the built-ins (builtin_rules);
//   a default decision (no rule matched) is counted as "builtin:default".
//   At most max_rules alive at once across reloads (registry.hpp).
// Names follow Prometheus conventions: kizuna_ prefix, base units (_seconds,
// _bytes), _total on counters. Adding a family: here, in catalogue.cpp, and in
// docs/operations.md.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "relay/metrics/registry.hpp"

namespace kizuna::metrics {

inline constexpr std::uint32_t max_listeners = 64;
inline constexpr std::uint32_t max_rules = 1024;

// The rule ids the relay decides with itself; always present in the rule label.
inline constexpr std::array<std::string_view, 18> builtin_rules = {
    "builtin:default",                          // no rule matched: the policy's default action
    "builtin:optout",                           // policy/model.hpp
    "builtin:redis-unavailable",                // fail closed: lookups failed
    "builtin:missing-field",                    // delivery/copy_plan.hpp
    "builtin:unsubscribe-link-missing",         // delivery/copy_plan.hpp
    "builtin:merge-template",                   // delivery/copy_plan.hpp
    "builtin:hold-failed",                      // delivery/policy_transaction.cpp
    "builtin:dsn",                              // delivery/bounce.cpp
    "builtin:dsn-suppressed:null-sender",       // delivery/bounce.cpp
    "builtin:dsn-suppressed:delivery-report",   // delivery/bounce.cpp
    "builtin:dsn-suppressed:auto-response",     // delivery/bounce.cpp
    "builtin:in-progress",                      // delivery/ledger_entry.hpp: a resend while the copy is in flight
    "builtin:already-delivered",                // delivery/ledger_entry.hpp
    "builtin:already-refused",                  // delivery/ledger_entry.hpp
    "builtin:already-held",                     // delivery/ledger_entry.hpp
    "builtin:possibly-delivered",               // delivery/ledger_entry.hpp
    "builtin:dkim-no-key",                      // delivery/copy_plan.hpp (issue 12)
    "builtin:dkim-from",                        // delivery/copy_plan.hpp (issue 12)
};

// connection result: accepted (a session started), refused (the 554 greeting:
// outside allow_clients without AUTH), over_limit (max_connections or
// max_connections_per_client reached).
enum class connection_result : std::uint32_t { accepted, refused, over_limit };
// recipient decision (audit actions for a recipient).
enum class decision : std::uint32_t { relay, drop, reject, defer, hold, bounce };
// downstream reply class of a transaction; error: no reply (connect, TLS, timeout).
enum class reply_class : std::uint32_t { c2xx, c4xx, c5xx, error };
// Redis error kind: unavailable (connect/closed), timeout, error_reply, protocol (malformed reply).
enum class redis_error : std::uint32_t { unavailable, timeout, error_reply, protocol };
// audit operation that failed.
enum class audit_operation : std::uint32_t { open, append, fsync };
// unsubscribe route: one_click (POST /u/), page (GET /u/), mailto.
enum class unsubscribe_route : std::uint32_t { one_click, page, mailto };
// unsubscribe result: opted_out (a new opt-out), repeat (already opted out for
// that scope: not a second unsubscribe), shown (the page), invalid (token or
// request refused), error (Redis or audit failed; the client retries).
enum class unsubscribe_result : std::uint32_t { opted_out, repeat, shown, invalid, error };
// config reload result.
enum class reload_result : std::uint32_t { success, failure };
// DKIM signature result: signed (one per signature made), error (signing failed),
// no_key (a copy whose From domain has no key: dkim.on_missing_key).
enum class dkim_result : std::uint32_t { signed_, error, no_key };

template <class E>
constexpr std::uint32_t index(E e) noexcept {
  return static_cast<std::uint32_t>(e);
}

// The rule label's slot for a deciding rule id as audit records carry it
// ("" = no rule matched: builtin:default). A binary search over the snapshot;
// an id the snapshot lacks aborts (label_values::slot).
inline std::uint32_t rule_slot(const label_values& rules, std::string_view rule) {
  return rules.slot(rule.empty() ? builtin_rules[0] : rule);
}
// As rule_slot, for an id that may be missing from the snapshot (a built-in
// added later, a rule a reload removed): nullopt instead of an abort.
inline std::optional<std::uint32_t> find_rule_slot(const label_values& rules, std::string_view rule) {
  return rules.slot_of(rule.empty() ? builtin_rules[0] : rule);
}

struct catalogue {
  dimension_id listener;
  dimension_id rule;

  family_id build_info;                   // gauge{version} 1
  family_id connections;                  // counter{listener, result}
  family_id connections_active;           // gauge{listener}, shards
  family_id messages_received;            // counter{listener}
  family_id message_size;                 // histogram bytes
  family_id recipients;                   // counter{decision, rule}
  family_id downstream_transactions;      // counter{class}
  family_id downstream_duration;          // histogram seconds {class}
  family_id redis_command_duration;       // histogram seconds
  family_id redis_errors;                 // counter{kind}
  family_id audit_append_duration;        // histogram seconds
  family_id audit_fsync_duration;         // histogram seconds
  family_id audit_errors;                 // counter{operation}
  family_id hold_queue_copies;            // gauge, scrape
  family_id hold_queue_oldest_age;        // gauge seconds, scrape
  family_id unsubscribe_requests;         // counter{route, result}
  family_id config_reloads;               // counter{result}
  family_id config_last_reload_success;   // gauge unix seconds, owner
  family_id dkim_signatures;              // counter{result}
};

// Declares every family on `r` (before its first shard) and sets build_info
// for `version` (KIZUNA_VERSION).
catalogue declare_catalogue(registry& r, std::string_view version);

}  // namespace kizuna::metrics
