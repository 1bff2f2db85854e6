// GET/HEAD /metrics (SPEC §11): the process's registry in Prometheus text
// format 0.0.4, summed over every thread's shard at this moment. The scrape
// runs on the admin thread; mail threads are never stopped for it (they keep
// counting on their own shards meanwhile). Without a registry (not `kizuna
// serve`): 404.
#pragma once

#include "relay/admin/backend.hpp"
#include "relay/admin/exchange.hpp"

namespace kizuna::admin {

response scrape_metrics(const backend& b);

}  // namespace kizuna::admin
