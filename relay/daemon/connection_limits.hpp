// limits.max_connections (all listeners, all threads) and
// limits.max_connections_per_client (per client IP). Shared by every I/O thread;
// taken once per connection, so a mutex is cheap enough. A slot is returned by
// destroying the ticket.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace kizuna::daemon {

class connection_limits {
 public:
  class ticket {
   public:
    ticket(connection_limits* owner, std::string ip) : owner_(owner), ip_(std::move(ip)) {}
    ticket(ticket&& o) noexcept : owner_(std::exchange(o.owner_, nullptr)), ip_(std::move(o.ip_)) {}
    ticket& operator=(ticket&&) = delete;
    ~ticket() {
      if (owner_) owner_->release(ip_);
    }

   private:
    connection_limits* owner_;
    std::string ip_;
  };

  void set(unsigned total, unsigned per_client) {
    max_total_ = total;
    max_per_client_ = per_client;
  }
  // nullopt: over a limit; the caller answers 421 and closes.
  std::optional<ticket> acquire(const std::string& ip);

 private:
  void release(const std::string& ip);
  std::mutex mutex_;
  std::map<std::string, unsigned> per_client_;
  unsigned total_ = 0;
  std::atomic<unsigned> max_total_{1000};
  std::atomic<unsigned> max_per_client_{50};
};

}  // namespace kizuna::daemon
