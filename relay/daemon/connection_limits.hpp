// Connection slots, shared by every I/O thread, in two pools:
// - clients: limits.max_connections (all listeners, all threads) and
//   limits.max_connections_per_client (per client IP);
// - refused: clients that get the 554 greeting (not in allow_clients, no AUTH),
//   at most limits.max_refused_connections at once, whoever they are. They never
//   take a client slot, so refused clients cannot lock allowed ones out (the
//   session also closes them after limits.refused_grace_s).
// Taken once per connection, so a mutex is cheap enough. A slot is returned by
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
  enum class pool { clients, refused };

  class ticket {
   public:
    ticket(connection_limits* owner, std::string ip, pool p) : owner_(owner), ip_(std::move(ip)), pool_(p) {}
    ticket(ticket&& o) noexcept
        : owner_(std::exchange(o.owner_, nullptr)), ip_(std::move(o.ip_)), pool_(o.pool_) {}
    ticket& operator=(ticket&&) = delete;
    ~ticket() {
      if (owner_) owner_->release(ip_, pool_);
    }

   private:
    connection_limits* owner_;
    std::string ip_;
    pool pool_;
  };

  void set(unsigned total, unsigned per_client, unsigned refused_total) {
    max_total_ = total;
    max_per_client_ = per_client;
    max_refused_ = refused_total;
  }
  // nullopt: that pool is full; the caller answers (421, or the 554 for a
  // refused client) and closes.
  std::optional<ticket> acquire(const std::string& ip, pool p = pool::clients);

 private:
  void release(const std::string& ip, pool p);
  std::mutex mutex_;
  std::map<std::string, unsigned> per_client_;
  unsigned total_ = 0;
  unsigned refused_ = 0;
  std::atomic<unsigned> max_total_{1000};
  std::atomic<unsigned> max_per_client_{50};
  std::atomic<unsigned> max_refused_{100};
};

}  // namespace kizuna::daemon
