// The server side of SMTP/LMTP as a pure state machine: command lines in,
// reply bytes and the next action out. No sockets, no clocks, so every rule
// (sequence, limits, error counting, relay refusal) is unit-testable; the
// session (server_session.cpp) only moves bytes and enforces deadlines.
//
// RFC 5321 (SMTP), RFC 2033 (LMTP: LHLO instead of HELO/EHLO), RFC 2920
// (PIPELINING: the caller batches replies), RFC 1870 (SIZE), RFC 6152
// (8BITMIME), RFC 6531 (SMTPUTF8), RFC 2034 (ENHANCEDSTATUSCODES), RFC 3207
// (STARTTLS), RFC 4954 (AUTH PLAIN and LOGIN).
//
// TLS and AUTH sequencing lives here; the handshake and the password check are
// the session's (I/O and slow hashing):
// - STARTTLS is offered after EHLO/LHLO while TLS is not active and the listener
//   has a certificate; its 220 comes with action::start_tls. After the handshake
//   the session calls tls_started(): everything learnt before TLS is forgotten
//   (greeting, transaction) and the client must EHLO again (RFC 3207 §4.2).
// - AUTH is offered and accepted only once TLS is active (SPEC §8). Before that
//   it gets 530 5.7.0 "Must issue a STARTTLS command first". A complete exchange
//   yields action::authenticate; the session verifies credentials() and calls
//   auth_finished() for the 235 or 535. While in_sasl_exchange(), the next line
//   is the client's base64 response (up to max_sasl_line octets) or "*" (cancel).
// - MAIL: 530 5.7.0 before STARTTLS when tls.require is set; 530 5.7.0
//   "Authentication required" for a client outside allow_clients until it has
//   authenticated. Without AUTH on the listener such a client gets the 554 greeting.
//
// Errors: every 4xx/5xx reply counts against max_errors; reaching it turns the
// reply into "421 4.7.0 Too many errors" and closes (Postfix's hard error limit).
// Junk: NOOP, RSET, VRFY and HELP past max_junk_commands since the last DATA
// each count as an error too (Postfix's smtpd_junk_command_limit), so a client
// cannot hold a session forever with commands that do nothing.
#pragma once

#include <cstdint>
#include <string>

#include "relay/smtp/sasl.hpp"

#include "relay/smtp/line_framer.hpp"
#include "relay/smtp/envelope.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

struct protocol_settings {
  std::string hostname;
  bool lmtp = false;
  bool client_allowed = false;  // in allow_clients (or a local unix socket)
  bool starttls = false;        // the listener has a certificate: STARTTLS offered
  bool tls_required = false;    // tls.require: MAIL only after STARTTLS
  bool auth = false;            // the listener has a users file: AUTH offered (after TLS, so needs starttls)
  uint64_t max_message_bytes = 0;
  unsigned max_recipients = 0;
  unsigned max_errors = 0;
  unsigned max_junk_commands = 100;  // NOOP/RSET/VRFY/HELP between two DATA before they count as errors
  // The client gets the 554 greeting and may only say goodbye: outside
  // allow_clients on a listener where it cannot AUTH. The daemon counts such
  // connections apart and the session closes them after a short grace.
  bool refused() const { return !client_allowed && !(auth && starttls); }
};

class server_protocol {
 public:
  enum class action { none, start_data, close, start_tls, authenticate, check_recipient };
  struct response {
    std::string wire;  // zero or more reply lines, CRLF-terminated
    action next = action::none;
  };

  explicit server_protocol(protocol_settings s);

  // 220 banner, or 554 5.7.1 for a client that may not relay here and cannot AUTH.
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

  // After action::start_tls and a completed handshake: back to "not greeted".
  void tls_started();
  // After action::authenticate: what the client sent, for the session to verify.
  const sasl_credentials& credentials() const { return pending_; }
  // The verification's outcome: 235 (authenticated) or 535 (counts as an error).
  // The pending password is wiped either way.
  response auth_finished(bool ok);

  // After action::check_recipient: the RCPT path whose syntax was accepted; the
  // session asks the delivery stage and reports its verdict. A 2xx adds the
  // recipient; a refusal is passed on and, being policy rather than a client
  // error, does not count against max_errors.
  const std::string& pending_recipient() const { return pending_rcpt_; }
  response recipient_checked(const reply& verdict);
  // Changes with every accepted MAIL: the session starts a delivery transaction per value.
  uint64_t transaction_serial() const { return transaction_serial_; }

  bool in_sasl_exchange() const { return sasl_ != sasl_step::none; }
  bool tls_active() const { return tls_active_; }
  bool authenticated() const { return !envelope_.auth_user.empty(); }
  bool lmtp() const { return s_.lmtp; }
  const protocol_settings& settings() const { return s_; }

 private:
  response answer(const reply& r, action next = action::none);
  // A command that does nothing: its reply, or an error once past max_junk_commands.
  response junk(const reply& r);
  response on_hello(const command& c);
  response on_mail(const command& c);
  response on_rcpt(const command& c);
  response on_data();
  response on_starttls();
  response on_auth(const command& c);
  response on_sasl_line(const framed_line& line);
  response finish_plain(std::string_view message);
  bool auth_possible() const { return s_.auth && s_.starttls; }
  std::string pending_rcpt_;
  uint64_t transaction_serial_ = 0;

  enum class sasl_step { none, plain, login_user, login_password };

  protocol_settings s_;
  envelope envelope_;
  bool greeted_ = false;   // HELO/EHLO/LHLO seen
  bool esmtp_ = false;     // EHLO/LHLO: extensions may be used
  bool in_mail_ = false;   // MAIL accepted, transaction open
  bool tls_active_ = false;
  sasl_step sasl_ = sasl_step::none;  // inside an AUTH exchange: the next line is SASL data
  sasl_credentials pending_;          // received, not yet verified
  unsigned errors_ = 0;
  unsigned junk_ = 0;  // NOOP/RSET/VRFY/HELP since the last DATA
};

}  // namespace kizuna::smtp
