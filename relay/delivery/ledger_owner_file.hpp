// Who owned the delivery ledger's reservations before this process, on this
// state_dir: `kizuna serve` holds an flock(2) on <state_dir>/ledger.owner for
// its lifetime and writes its owner name there. Getting the lock means the
// previous holder has exited (the kernel drops a dead process's locks), so its
// alive key can be removed at once: after a crash and restart, the dead
// process's reservations are taken over (and its commits judged in doubt) in
// the time of a restart, not after the alive key's 15 s TTL.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace kizuna::delivery {

// Takes the lock (non-blocking) and records `owner`; the predecessor's owner
// name when there was one. Nothing when the lock is held by another running
// kizuna (then nothing is written) or the file cannot be used (logged).
// The lock is kept until the process exits.
std::optional<std::string> claim_ledger_owner_file(const std::filesystem::path& state_dir, const std::string& owner);

}  // namespace kizuna::delivery
