// The delivery ledger's view of one (message, recipient) pair (issue 11, SPEC §8
// "exactly once per recipient"): what is stored for it in Redis and what a new
// attempt to send it must do. Pure; the Redis side is store/delivery_ledger.hpp,
// the sequence (reserve, write-ahead record, commit, settle) copy_ledger.hpp.
//
// States, in the order a copy goes through them:
//   reserved    an attempt owns the pair; nothing past the downstream's 354 yet,
//               so the downstream cannot have accepted anything
//   committing  the attempt is writing the final "." (or renaming into a
//               maildir): from here the copy may be accepted whatever we see
//   delivered   the downstream said 2xx                 (kept for the window)
//   refused     the downstream said 5xx and that was reported (a DSN, or the
//               LMTP client's own 5xx)                 (kept for the window)
//   held        the copy waits in the hold queue as `detail`
//   in_doubt    committing, and no verdict will ever come (the connection was
//               lost after the ".", or the owner died): possibly delivered
// A transient outcome removes the entry: the client's retry sends again.
//
// Value: "<state letter>|<owner>|<copy id>|<detail>", owner "" once settled; the
// detail (a reply or a hold id) may hold '|'. Owner = "<host>/<process tag>".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kizuna::delivery {

enum class ledger_state { reserved, committing, delivered, refused, held, in_doubt };

struct ledger_entry {
  ledger_state state = ledger_state::reserved;
  std::string owner;    // reserved/committing: the process that owns the attempt
  std::string copy_id;  // the attempt's copy ("<transaction id>-<n>"), as in the audit log
  std::string detail;   // delivered/refused: the downstream's reply; held: the hold id
};

std::string encode(const ledger_entry& e);
std::optional<ledger_entry> decode_ledger_entry(std::string_view value);

// What to do with a copy whose committing attempt's owner is gone (ledger.in_doubt).
enum class in_doubt_choice {
  assume_delivered,  // default: never sent twice; audited as possibly delivered
  resend,            // never lost; a copy the downstream did accept is sent again
};

enum class verdict {
  send,                // the pair is ours (new, or taken over from a dead owner's reservation)
  in_progress,         // a live attempt owns it: 4xx, the client retries later
  already_delivered,   // handled: answered 2xx, not sent
  already_refused,     // handled: SMTP 2xx (reported before), LMTP the stored 5xx; not sent
  already_held,        // handled: 2xx, held as detail
  possibly_delivered,  // handled: 2xx, not sent (in doubt, assume_delivered)
};

// The verdict for an attempt that found `existing` in the ledger. owner_alive:
// the existing entry's owner still runs (only asked of reserved/committing).
verdict judge(const ledger_entry& existing, bool owner_alive, in_doubt_choice choice);

// Owners of live attempts have to be asked about (reserved or committing).
bool needs_owner(const ledger_entry& e);

const char* to_string(verdict v);
std::optional<in_doubt_choice> parse_in_doubt_choice(std::string_view s);

}  // namespace kizuna::delivery
