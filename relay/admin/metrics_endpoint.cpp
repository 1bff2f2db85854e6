#include "relay/admin/metrics_endpoint.hpp"

namespace kizuna::admin {

response scrape_metrics(const backend& b) {
  response r;
  if (!b.metrics) {
    r.status = 404;
    r.body = "Not found\n";
    return r;
  }
  r.content_type = std::string(metrics::content_type);
  r.body = b.metrics->scrape();
  return r;
}

}  // namespace kizuna::admin
