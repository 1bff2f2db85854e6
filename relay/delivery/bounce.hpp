// Reporting copies the downstream refused permanently after the SMTP client was
// told 250 (issue 11 defect 3; RFC 5321 §6.1: who accepts a message must
// deliver it or report the failure). The I/O edge around the pure DSN builder
// (dsn.hpp): decides whether a DSN is owed, builds one for all refused copies
// of the message and sends it through the message's own destination as a new
// transaction from the null reverse-path (RFC 5321 §4.5.5) to the envelope
// sender. LMTP clients get each 5xx themselves and are not bounced.
//
// The caller audits each refused recipient as decision `bounce` (rule
// builtin:dsn, or builtin:dsn-suppressed:<why>) with the DSN's reply, and when
// the DSN could not be handed on for now (a 4xx) turns the client's 250 into a
// 4xx: then the failure is reported by the client's retry rather than lost
// (the recipients already handled are answered from the delivery ledger, copy_ledger.hpp).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <span>
#include <string>
#include <string_view>

#include "relay/delivery/destination.hpp"
#include "relay/delivery/dsn.hpp"
#include "relay/smtp/envelope.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::delivery {

struct refused_copy {
  std::string recipient;  // as written in RCPT TO
  std::string address;    // normalized: where the copy was sent
  smtp::reply reply;      // the downstream's (or the relay's own 554) refusal
};

struct bounce_outcome {
  dsn_suppression suppressed = dsn_suppression::none;
  smtp::reply dsn_reply;  // what the destination said to the DSN (when one was sent)
  // The audit rule for each refused recipient's `bounce` record.
  std::string rule() const;
};

// `plain_message`: the message as received, dot-stuffing removed (only its
// header block is read). `refused` is not empty.
boost::asio::awaitable<bounce_outcome> send_bounce(destination& dest, const smtp::envelope& env,
                                                   std::string_view plain_message,
                                                   std::span<const refused_copy> refused, std::string_view hostname,
                                                   std::chrono::system_clock::time_point arrival);

}  // namespace kizuna::delivery
