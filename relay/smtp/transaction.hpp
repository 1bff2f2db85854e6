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

// The delivery stage's state for one transaction, from MAIL to the reply after
// DATA (or RSET/QUIT): it remembers what it learnt about each recipient at RCPT
// so nothing is looked up twice.
class transaction {
 public:
  virtual ~transaction() = default;
  // The verdict at RCPT for a recipient whose syntax was accepted: a 2xx
  // accepts it (the decision may still come after DATA); anything else is sent
  // to the client as the RCPT reply and the recipient is not added.
  virtual boost::asio::awaitable<reply> check_recipient(const envelope& env, const std::string& recipient) = 0;
  // Returns only after every recipient's copy is accepted downstream, failed,
  // held or dropped on record: never 2xx before that (SPEC §8).
  virtual boost::asio::awaitable<delivery_outcome> deliver(const envelope& env,
                                                           std::shared_ptr<const std::string> message) = 0;
};

class transaction_handler {
 public:
  virtual ~transaction_handler() = default;
  // Called when MAIL is accepted; the transaction lives until its reply after DATA.
  virtual std::unique_ptr<transaction> begin(const envelope& env) = 0;
};

}  // namespace kizuna::smtp
