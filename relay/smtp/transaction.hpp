// What a server session hands to the delivery stage once DATA is complete: the
// envelope and the message in wire form (CRLF line endings, dot-stuffed, without
// the terminating "."), and what it gets back: one reply per recipient (LMTP
// sends them all) and the single reply an SMTP client gets.
//
// The session depends only on this interface, not on delivery/, so stages keep
// pointing one way (delivery implements it using the downstream client).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <memory>
#include <string>
#include <vector>

#include "relay/smtp/envelope.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

struct delivery_outcome {
  std::vector<reply> per_recipient;  // same order as envelope.recipients
  reply summary;                     // the one reply for an SMTP client
};

class transaction_handler {
 public:
  virtual ~transaction_handler() = default;
  // Returns only after every recipient's copy is accepted downstream, failed, or
  // (later stages) held or dropped on record: never 2xx before that (SPEC §8).
  virtual boost::asio::awaitable<delivery_outcome> deliver(
      const envelope& env, std::shared_ptr<const std::string> message) = 0;
};

}  // namespace kizuna::smtp
