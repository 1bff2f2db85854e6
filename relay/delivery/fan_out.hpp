// Sends a message's copies and waits for all of them: per-recipient
// transactions run in parallel, at most `parallel` at a time (the downstream
// pool's size: more would only queue). Each copy is built right before it is
// sent and freed right after, so a 500-recipient personalized message holds
// `parallel` copies in memory, not 500.
// The caller's frame outlives every spawned send (it waits for the last one).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <expected>
#include <functional>
#include <string>
#include <vector>

#include "relay/delivery/destination.hpp"

namespace kizuna::delivery {

struct copy_job {
  std::size_t index;           // where the reply goes in `replies`
  const std::string* recipient;
  commit_gate* gate = nullptr;  // the delivery ledger's, passed to the destination
};

// The copy for one job, or why it cannot be built (the reply for that
// recipient then says so; nothing is sent). A coroutine: signing it may run
// on another thread (copy_signer.hpp).
using copy_source =
    std::function<boost::asio::awaitable<std::expected<wire_copy, smtp::reply>>(const copy_job&)>;

boost::asio::awaitable<void> send_copies(boost::asio::any_io_executor ex, destination& dest,
                                         const smtp::envelope& env, const copy_source& make_copy,
                                         const std::vector<copy_job>& jobs, std::vector<smtp::reply>& replies,
                                         std::size_t parallel);

}  // namespace kizuna::delivery
