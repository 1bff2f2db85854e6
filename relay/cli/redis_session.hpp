// A Redis connection for a command-line tool (kizuna optout, ...): one
// io_context on the calling thread running the relay's own non-blocking
// client (store/redis_client.hpp), so the CLI speaks to Redis exactly as the
// relay does (same address, AUTH, key prefix). The CLI thread is not an I/O
// thread of the relay: blocking on a file between awaits is fine here.
//
// open() resolves the address from the config (redis.embedded: the socket
// under state_dir/redis/, which only exists while `kizuna serve` runs), reads
// redis.password_file, probes the socket (to report the OS reason, e.g. "No
// such file or directory") and sends PING. Failures print one line
// "kizuna <cmd>: cannot reach redis at <address>: <why>" and give exit 69
// (EX_UNAVAILABLE); an unreadable password file gives 78 (EX_CONFIG).
// Round trips are bounded by max(redis.timeout_ms, 10 s): a CLI may wait.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <expected>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "relay/cli/exit_status.hpp"
#include "relay/config/settings.hpp"
#include "relay/core/endpoint.hpp"
#include "relay/core/errc.hpp"
#include "relay/store/redis_client.hpp"

namespace kizuna::cli {

class redis_session {
 public:
  // who: "kizuna optout" (prefix of error lines).
  static std::expected<std::unique_ptr<redis_session>, int> open(const config::settings& cfg, std::string who);
  ~redis_session();

  store::redis_client& client() { return *client_; }
  const std::string& prefix() const { return prefix_; }
  const std::string& who() const { return who_; }

  // Runs `task` to completion on this session's io_context; its result.
  // An exception escaping the task is rethrown here.
  int run(boost::asio::awaitable<int> task);

  // Walks every hash whose key starts with `head` (the prefix matched
  // literally): SCAN MATCH ... COUNT 1000, each page's HGETALLs pipelined with
  // the next SCAN, so a million keys cost a thousand round trips. on_hash gets
  // each key and its HGETALL reply and returns 0 to go on or an exit status to
  // stop with. Returns 0, that status, or ex_unavailable (after saying why).
  boost::asio::awaitable<int> for_each_hash(
      std::string head, std::function<int(const std::string& key, const store::redis_value& hash)> on_hash);

  // Prints "<who>: cannot reach redis at <address>: <why>" (with the
  // embedded-redis hint) and returns ex_unavailable.
  int unreachable(std::string_view why) const;
  int unreachable(error_code ec) const { return unreachable(ec.message()); }

 private:
  redis_session() = default;
  boost::asio::awaitable<int> connect(std::chrono::milliseconds timeout);

  boost::asio::io_context io_;  // declared first: outlives the client
  std::unique_ptr<store::redis_client> client_;
  endpoint address_;
  bool embedded_ = false;
  std::string prefix_;
  std::string who_;
};

}  // namespace kizuna::cli
