// This process's side of the delivery ledger (copy_ledger.hpp), shared by every
// I/O thread:
//  - the copies it has in flight: an entry this process owns whose copy is not
//    in flight here any more belongs to an attempt that ended, so another of
//    its own transactions may judge it as a dead owner's (the alive key alone
//    cannot tell, it says only that the process runs);
//  - settles whose Redis write failed (a stall, a restart): kept, with their
//    copies still "in flight" (a resend waits, 451), and written again by
//    retry_unsettled() until Redis takes them. Without this, an entry left
//    reserved or committing by a live process would answer 451 for as long as
//    the process lives.
// A mutex, taken once per message and per settle; never on the per-byte path.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "relay/store/redis_client.hpp"

namespace kizuna::delivery {

class ledger_registry {
 public:
  static ledger_registry& process();

  void begin(const std::string& copy_id);
  bool in_flight(const std::string& copy_id) const;
  // The attempt's Redis writes (settles and what goes with them) were applied.
  void settled(const std::vector<std::string>& copy_ids);
  // They were not: keep the copies in flight and the writes for a retry.
  void unsettled(std::vector<std::string> copy_ids, std::vector<store::redis_command> writes);
  std::size_t unsettled_count() const;

  // Writes the kept settles again (one pipeline); called periodically.
  boost::asio::awaitable<void> retry_unsettled(store::redis_client& redis);

 private:
  struct pending {
    std::vector<std::string> copy_ids;
    std::vector<store::redis_command> writes;
  };
  mutable std::mutex mutex_;
  std::unordered_set<std::string> in_flight_;
  std::vector<pending> unsettled_;
};

}  // namespace kizuna::delivery
