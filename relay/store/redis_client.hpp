// Non-blocking Redis client for one io_context (one per thread, shared-nothing).
// Commands are RESP-encoded by resp.cpp and replies decoded by hiredis' redisReader,
// over an Asio socket, so nothing blocks an I/O thread.
//
// - Any number of coroutines on the owning thread may call pipeline() at once;
//   their commands are written in order on one connection and replies matched
//   FIFO, so concurrent callers share round trips (Redis pipelining).
// - Connects lazily, sends AUTH when a password is set, reconnects after any
//   failure. A timeout or protocol error poisons the connection (replies could
//   be out of step), so it is closed and every waiting caller gets the error.
// - Errors: errc::timeout (no full answer within timeout), errc::redis_unavailable
//   (cannot connect / connection lost), errc::redis_error (malformed or oversized
//   reply, AUTH refused), errc::shutting_down (after close()). A caller whose
//   coroutine is cancelled gets boost::asio::error::operation_aborted; its
//   replies, if already requested, are read and discarded.
// - An error *reply* to one command (WRONGTYPE, NOAUTH, ...) is a redis_value of
//   kind error inside a successful result.
// - Not for SUBSCRIBE/MONITOR (unsolicited replies close the connection).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <expected>
#include <memory>
#include <string>
#include <vector>

#include "relay/core/endpoint.hpp"
#include "relay/core/errc.hpp"
#include "relay/store/redis_value.hpp"

namespace kizuna::store {

struct redis_options {
  endpoint address;
  std::string password;  // empty: no AUTH
  // Deadline of one pipeline() call, from the call to the last reply; includes
  // connecting (and AUTH) when the call has to open the connection.
  std::chrono::milliseconds timeout{250};
  // Largest reply accepted (wire bytes); a bigger one fails with errc::redis_error
  // and closes the connection, so a runaway value cannot exhaust memory.
  std::size_t max_reply_bytes = std::size_t{64} << 20;
};

using redis_command = std::vector<std::string>;

class redis_client {
 public:
  redis_client(boost::asio::any_io_executor executor, redis_options options);
  ~redis_client();
  redis_client(const redis_client&) = delete;
  redis_client& operator=(const redis_client&) = delete;

  // All commands in one write; the replies in the same order (one round trip).
  boost::asio::awaitable<std::expected<std::vector<redis_value>, error_code>> pipeline(
      std::vector<redis_command> commands);

  // Convenience for a single command.
  boost::asio::awaitable<std::expected<redis_value, error_code>> command(redis_command cmd);

  // Fails every waiting caller with errc::shutting_down and closes the connection.
  // Final: later calls fail with errc::shutting_down too.
  void close();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kizuna::store
