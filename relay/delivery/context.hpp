// What every transaction on one I/O thread shares, for one config generation:
// the destination (downstream pool or maildir), the thread's Redis client, the
// loaded policies, the process-wide audit log and hold queue, the thread's cache
// of compiled message parts. Built by the
// daemon's worker, replaced as a whole on SIGHUP.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "relay/audit/log_writer.hpp"
#include "relay/config/settings.hpp"
#include "relay/delivery/copy_ledger.hpp"
#include "relay/delivery/copy_signer.hpp"
#include "relay/delivery/destination.hpp"
#include "relay/delivery/hold_queue.hpp"
#include "relay/personalize/part_cache.hpp"
#include "relay/policy/model.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::delivery {

struct context {
  boost::asio::any_io_executor executor;
  std::shared_ptr<destination> dest;
  std::shared_ptr<store::redis_client> redis;
  std::shared_ptr<const policy::policy_set> policies;
  std::shared_ptr<audit::log_writer> audit;
  std::shared_ptr<const hold_queue> holds;
  std::shared_ptr<const config::unsubscribe_settings> unsubscribe;  // null: no unsubscribe section
  std::shared_ptr<const config::dkim_settings> dkim;                // null: copies leave unsigned
  std::shared_ptr<copy_signer> signer;                              // the process's signing threads
  // Compiled parts of recent messages; used only on the worker thread that owns this context.
  std::shared_ptr<personalize::part_cache> parts = std::make_shared<personalize::part_cache>();
  std::string key_prefix = "kizuna:";
  std::string hostname;             // right-hand side of copies' Message-IDs when the original has none
  std::size_t copy_parallelism = 16;  // copies of one message in flight (downstream.max_connections)
  ledger_settings ledger;
  std::string ledger_owner;  // "<hostname>/<process tag>": this process, as owner of its ledger reservations
};

// ledger_owner for this process.
std::string ledger_owner_of(std::string_view hostname);

}  // namespace kizuna::delivery
