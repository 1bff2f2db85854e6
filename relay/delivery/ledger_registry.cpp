#include "relay/delivery/ledger_registry.hpp"

#include "relay/core/log.hpp"

namespace kizuna::delivery {

ledger_registry& ledger_registry::process() {
  static ledger_registry r;
  return r;
}

void ledger_registry::begin(const std::string& copy_id) {
  std::lock_guard lock(mutex_);
  in_flight_.insert(copy_id);
}

bool ledger_registry::in_flight(const std::string& copy_id) const {
  std::lock_guard lock(mutex_);
  return in_flight_.contains(copy_id);
}

void ledger_registry::settled(const std::vector<std::string>& copy_ids) {
  std::lock_guard lock(mutex_);
  for (const auto& c : copy_ids) in_flight_.erase(c);
}

void ledger_registry::unsettled(std::vector<std::string> copy_ids, std::vector<store::redis_command> writes) {
  std::lock_guard lock(mutex_);
  unsettled_.push_back({std::move(copy_ids), std::move(writes)});
}

std::size_t ledger_registry::unsettled_count() const {
  std::lock_guard lock(mutex_);
  return unsettled_.size();
}

boost::asio::awaitable<void> ledger_registry::retry_unsettled(store::redis_client& redis) {
  std::vector<pending> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(unsettled_);
  }
  if (batch.empty()) co_return;
  std::vector<store::redis_command> cmds;
  for (const auto& p : batch) cmds.insert(cmds.end(), p.writes.begin(), p.writes.end());
  auto r = co_await redis.pipeline(std::move(cmds));
  std::lock_guard lock(mutex_);
  if (!r) {
    log::warning("delivery ledger: {} settles still not written: {}", batch.size(), r.error().message());
    for (auto& p : batch) unsettled_.push_back(std::move(p));
    co_return;
  }
  for (const auto& p : batch)
    for (const auto& c : p.copy_ids) in_flight_.erase(c);
  log::info("delivery ledger: {} settles written after a Redis failure", batch.size());
}

}  // namespace kizuna::delivery
