#include "relay/daemon/connection_limits.hpp"

namespace kizuna::daemon {

std::optional<connection_limits::ticket> connection_limits::acquire(const std::string& ip, pool p) {
  std::lock_guard lock(mutex_);
  if (p == pool::refused) {
    if (refused_ >= max_refused_) return std::nullopt;
    ++refused_;
    return ticket(this, ip, p);
  }
  if (total_ >= max_total_) return std::nullopt;
  unsigned& mine = per_client_[ip];
  if (!ip.empty() && mine >= max_per_client_) {
    if (mine == 0) per_client_.erase(ip);
    return std::nullopt;
  }
  ++mine;
  ++total_;
  return ticket(this, ip, p);
}

void connection_limits::release(const std::string& ip, pool p) {
  std::lock_guard lock(mutex_);
  if (p == pool::refused) {
    --refused_;
    return;
  }
  --total_;
  auto it = per_client_.find(ip);
  if (it != per_client_.end() && --it->second == 0) per_client_.erase(it);
}

}  // namespace kizuna::daemon
