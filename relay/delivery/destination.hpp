// Where one recipient's copy goes next: the downstream MTA (downstream_pool) or
// a maildir (maildir_writer). A destination answers with the reply that copy got;
// a 2xx means the copy is accepted and the relay may acknowledge it.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>

#include "relay/smtp/reply.hpp"
#include "relay/smtp/transaction.hpp"

namespace kizuna::delivery {

// The step after which a copy may count as accepted (the final "." of SMTP/LMTP
// DATA, the rename into a maildir's new/) is passed only through this gate: the
// delivery ledger records first that the copy is committing (issue 11).
struct commit_gate {
  // Awaited once, right before the commit step. false: the copy must not be
  // committed; the destination abandons it (451) and nothing was delivered.
  std::function<boost::asio::awaitable<bool>()> enter;
  // Set by the destination: the commit step began and no verdict came (the
  // connection was lost after the "."): the copy may have been accepted.
  bool no_verdict = false;
};

// One copy as it leaves: its DKIM-Signature fields (CRLF-terminated, "" when
// unsigned) go first, above env.trace_header (the signature is the topmost field
// we add), then the message in wire form (dot-stuffed).
struct wire_copy {
  std::string signature;
  std::string message;
};

class destination {
 public:
  virtual ~destination() = default;
  // `gate`, when set, is entered once, before the commit step.
  virtual boost::asio::awaitable<smtp::reply> send(const smtp::envelope& env, const std::string& recipient,
                                                   const wire_copy& copy, commit_gate* gate) = 0;
  // Stop: close idle connections, make waiters fail. Called at shutdown and when replaced on reload.
  virtual boost::asio::awaitable<void> close() = 0;
};

}  // namespace kizuna::delivery
