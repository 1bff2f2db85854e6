// The server side of SMTP/LMTP as a pure state machine: command lines in,
// reply bytes and the next action out. No sockets, no clocks, so every rule
// (sequence, limits, error counting, relay refusal) is unit-testable; the
// session (server_session.cpp) only moves bytes and enforces deadlines.
//
// RFC 5321 (SMTP), RFC 2033 (LMTP: LHLO instead of HELO/EHLO), RFC 2920
// (PIPELINING: the caller batches replies), RFC 1870 (SIZE), RFC 6152
// (8BITMIME), RFC 6531 (SMTPUTF8), RFC 2034 (ENHANCEDSTATUSCODES).
//
// Errors: every 4xx/5xx reply counts against max_errors; reaching it turns the
// reply into "421 4.7.0 Too many errors" and closes (Postfix's hard error limit).
#pragma once

#include <cstdint>
#include <string>

#include "relay/smtp/line_framer.hpp"
#include "relay/smtp/envelope.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

struct protocol_settings {
  std::string hostname;
  bool lmtp = false;
  bool client_allowed = false;  // in allow_clients (or a local unix socket)
  uint64_t max_message_bytes = 0;
  unsigned max_recipients = 0;
  unsigned max_errors = 0;
};

class server_protocol {
 public:
  enum class action { none, start_data, close };
  struct response {
    std::string wire;  // zero or more reply lines, CRLF-terminated
    action next = action::none;
  };

  explicit server_protocol(protocol_settings s);

  // 220 banner, or 554 5.7.1 for a client that may not relay here.
  std::string greeting() const;
  // One framed command line (too_long lines included).
  response on_line(const framed_line& line);
  // Called by the session when the DATA body is complete or was refused.
  envelope& current() { return envelope_; }
  // After the reply to DATA: forget the transaction (envelope, recipients).
  void end_transaction();
  // A reply the session itself generated (e.g. 552 after DATA) that counts as an error.
  // Returns the reply to send: `r` itself, or 421 when the error limit is reached.
  response note_error(const reply& r);

  bool lmtp() const { return s_.lmtp; }
  const protocol_settings& settings() const { return s_; }

 private:
  response answer(const reply& r, action next = action::none);
  response on_hello(const command& c);
  response on_mail(const command& c);
  response on_rcpt(const command& c);
  response on_data();

  protocol_settings s_;
  envelope envelope_;
  bool greeted_ = false;   // HELO/EHLO/LHLO seen
  bool esmtp_ = false;     // EHLO/LHLO: extensions may be used
  bool in_mail_ = false;   // MAIL accepted, transaction open
  unsigned errors_ = 0;
};

}  // namespace kizuna::smtp
