// One message's (identity, recipient) pairs in the delivery ledger (issue 11;
// states: ledger_entry.hpp, Redis: store/delivery_ledger.hpp). The sequence for
// each copy the policies relay or hold:
//   reserve()  one round trip for the whole message: SET NX GET per pair. A pair
//              found in the ledger gets a verdict (ledger_entry.hpp judge): a
//              dead owner's reservation is taken over, a dead owner's commit
//              resolved by ledger.in_doubt, a live one is in progress (4xx).
//   gate(k)    the copy's commit_gate: reserved → committing, right before the
//              final "." (a compare-and-swap: an attempt whose reservation was
//              taken over cannot commit).
//   settle(k)  the end, pipelined with the transaction's other Redis writes:
//              delivered / refused / held / in_doubt, or removed (transient:
//              the client's retry sends again).
// Fail closed: Redis unreachable at reserve() or at the gate means the copy is
// not sent (4xx). A settle that fails leaves the entry committing; once its
// owner has gone, a resend is judged by ledger.in_doubt.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <expected>
#include <string>
#include <vector>

#include "relay/core/errc.hpp"
#include "relay/delivery/destination.hpp"
#include "relay/delivery/ledger_entry.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::delivery {

struct ledger_settings {
  std::chrono::seconds window{7 * 24 * 3600};  // ledger.window_s: how long a settled pair is remembered
  in_doubt_choice in_doubt = in_doubt_choice::assume_delivered;  // ledger.in_doubt
};

class copy_ledger {
 public:
  copy_ledger(store::redis_client& redis, std::string key_prefix, std::string owner, ledger_settings settings,
              std::string identity);

  struct pair {
    std::string address;  // normalized recipient
    std::string copy_id;  // this attempt's copy
  };
  struct claim {
    verdict v = verdict::send;
    ledger_entry found;   // the entry that decided a verdict other than a fresh send
    bool resolved_in_doubt = false;  // this call turned a dead owner's commit into in_doubt
  };
  // Adds the pairs (their index k is their position, after earlier calls' pairs)
  // and reserves them: a claim per pair, in order.
  boost::asio::awaitable<std::expected<std::vector<claim>, error_code>> reserve(std::vector<pair> pairs);

  commit_gate gate(std::size_t k);

  // The swap ending pair k's attempt, appended to `out`: to `final_entry`
  // (delivered, refused, held, in_doubt) or, with none, removed. Only for pairs
  // whose claim was `send`.
  void settle(std::size_t k, std::optional<ledger_entry> final_entry, std::vector<store::redis_command>& out) const;
  // The same, at once (when nothing else is written).
  boost::asio::awaitable<void> settle_now(std::vector<std::size_t> ks, std::optional<ledger_entry> final_entry);
  // Writes the settles (with whatever else rides in the pipeline) and tells the
  // process registry (ledger_registry.hpp): on failure they are kept and retried.
  boost::asio::awaitable<bool> write_settles(std::vector<std::string> copy_ids,
                                             std::vector<store::redis_command> writes);
  // Every pair's copy id, in slot order.
  std::vector<std::string> copy_ids() const;

  const std::string& owner() const { return owner_; }

 private:
  struct slot {
    std::string key;
    std::string copy_id;
    std::string current;  // the value this attempt last wrote
    std::string maybe;    // a value it may have written (a swap whose reply never came), or ""
  };

  store::redis_client& redis_;
  std::string prefix_;
  std::string owner_;
  ledger_settings settings_;
  std::string identity_;
  std::vector<slot> slots_;
};

}  // namespace kizuna::delivery
