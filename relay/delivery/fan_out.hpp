// Sends several copies at once over a destination and waits for all of them:
// per-recipient transactions run in parallel, bounded by the downstream pool.
// The caller's frame outlives every spawned send (it waits for the last one).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <string>
#include <vector>

#include "relay/delivery/destination.hpp"

namespace kizuna::delivery {

struct copy_job {
  std::size_t index;           // where the reply goes in `replies`
  const std::string* recipient;
};

boost::asio::awaitable<void> send_copies(boost::asio::any_io_executor ex, destination& dest,
                                         const smtp::envelope& env, const std::string& message,
                                         const std::vector<copy_job>& jobs, std::vector<smtp::reply>& replies);

}  // namespace kizuna::delivery
