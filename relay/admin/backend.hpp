// What the admin server's handlers work with: one config snapshot and the
// connections built for it on the admin thread. Swapped whole on SIGHUP (new
// keys, Redis settings, downstream); a request keeps the one it started with.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <memory>

#include "relay/audit/log_writer.hpp"
#include "relay/config/loader.hpp"
#include "relay/metrics/registry.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::admin {

struct backend {
  boost::asio::any_io_executor executor;        // the admin thread's
  config::snapshot cfg;
  std::shared_ptr<store::redis_client> redis;   // the admin thread's own connection
  std::shared_ptr<audit::log_writer> audit;     // the process's writer (shared with the workers)
  const metrics::registry* metrics = nullptr;   // the process's, for /metrics (null: 404)
};

}  // namespace kizuna::admin
