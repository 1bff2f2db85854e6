// Where one recipient's copy goes next: the downstream MTA (downstream_pool) or
// a maildir (maildir_writer). A destination answers with the reply that copy got;
// a 2xx means the copy is accepted and the relay may acknowledge it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string>

#include "relay/smtp/reply.hpp"
#include "relay/smtp/transaction.hpp"

namespace kizuna::delivery {

class destination {
 public:
  virtual ~destination() = default;
  // The copy is env.trace_header followed by `message` (wire form).
  virtual boost::asio::awaitable<smtp::reply> send(const smtp::envelope& env, const std::string& recipient,
                                                   const std::string& message) = 0;
  // Stop: close idle connections, make waiters fail. Called at shutdown and when replaced on reload.
  virtual boost::asio::awaitable<void> close() = 0;
};

}  // namespace kizuna::delivery
