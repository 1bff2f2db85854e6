#include "relay/admin/rate_limiter.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

namespace kizuna::admin {

rate_limiter::rate_limiter(double rate_per_s, double burst, std::size_t max_clients)
    : rate_(rate_per_s), burst_(burst), max_clients_(max_clients) {}

double rate_limiter::refilled(const bucket& b, clock::time_point now) const {
  const double elapsed = std::chrono::duration<double>(now - b.updated).count();
  return std::min(burst_, b.tokens + std::max(0.0, elapsed) * rate_);
}

void rate_limiter::forget_idle(clock::time_point now) {
  std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
}

bool rate_limiter::allow(std::string_view client, clock::time_point now) {
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_clients_) forget_idle(now);
    if (buckets_.size() >= max_clients_ || burst_ < 1) return false;
    buckets_.emplace(std::string(client), bucket{burst_ - 1, now});
    return true;
  }
  bucket& b = it->second;
  b.tokens = refilled(b, now);
  b.updated = std::max(b.updated, now);
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::string client_key(std::string_view ip) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(std::string(ip), ec);
  if (ec) return std::string(ip);
  if (address.is_v4()) return address.to_string();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6).to_string();
  auto bytes = v6.to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return boost::asio::ip::address_v6(bytes).to_string() + "/64";
}

}  // namespace kizuna::admin
