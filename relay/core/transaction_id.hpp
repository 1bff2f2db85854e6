// Transaction ids (Postfix calls them queue ids): they name a message in logs,
// name held copies ("<id>-<n>.held") and seed the Message-ID of copies of a
// message that had none, so they must never repeat, across restarts and
// instances too (issue 11: two starts within one second reused ids and
// overwrote held copies). 24 upper-case hex digits, sortable by time:
//   8  seconds since the epoch
//   10 a random component drawn once per process (getrandom(2), 40 bits:
//      two starts in one second, or two instances, differ)
//   6  a per-process counter (16M ids per second before it could wrap onto
//      an id of the same second)
#pragma once

#include <string>

namespace kizuna {

std::string make_transaction_id();

// This process's random component (10 hex digits, the middle of its ids): names
// the process as the owner of its delivery-ledger reservations.
std::string process_tag();

}  // namespace kizuna
