// Delivery status notifications (bounces) for copies the downstream refused
// permanently after Kizuna had already answered the SMTP client 250 (issue 11
// defect 3; RFC 5321 §6.1: whoever accepts a message must deliver it or report
// the failure). Pure: plain data in, the DSN's bytes out. No sockets, no
// clocks, no randomness: the caller passes the times and a unique token, so
// the same request always gives the same bytes.
//
// Wiring (the caller owns all I/O):
// - Who: the delivery stage (policy_transaction / dispatcher), after the
//   downstream's reply for a copy of an SMTP transaction whose client already
//   got 250 is a 5xx (a copy refused at RCPT or after the final dot). LMTP
//   clients are not bounced: they get the 5xx per recipient themselves.
// - First dsn_suppressed(envelope.mail_from, message headers): anything but
//   dsn_suppression::none means no DSN (audit the refusal with that reason).
// - Otherwise build_dsn() with every permanently refused recipient of the
//   transaction (one DSN per message, not per recipient), audit it as decision
//   `bounce` (per recipient, with dsn_status()), mark the ledger pairs refused,
//   and send the bytes through the downstream pool as a new transaction:
//   MAIL FROM:<> (null reverse-path: a DSN is never bounced, RFC 5321 §4.5.5),
//   RCPT TO:<the original envelope sender>, DATA with the bytes dot-stuffed
//   (core/dot_stuffing.hpp). The bytes are 7-bit with CRLF line ends and lines
//   of at most 998 octets, except the To field when the envelope sender is not
//   ASCII: that address is written as UTF-8 (RFC 6532), and the transaction
//   needs SMTPUTF8 anyway to name that recipient.
//
// The message (RFC 3464, RFC 6522 multipart/report, RFC 3834 Auto-Submitted):
//   From: "Mail Delivery System" <MAILER-DAEMON@reporting_mta>
//   To: <envelope sender> (its local part quoted when it is not a dot-atom;
//   "undisclosed-recipients:;" when it cannot be written as an address),
//   Subject: Undelivered Mail Returned to Sender,
//   Date, Message-ID <token@reporting_mta>, MIME-Version, Auto-Submitted: auto-replied,
//   Content-Type: multipart/report; report-type=delivery-status; boundary="..."
//   1. text/plain; charset=utf-8 (7bit, or quoted-printable when it holds
//      non-ASCII text or long lines): what happened, for a human.
//   2. message/delivery-status: Reporting-MTA, Original-Envelope-Id (when
//      given), Arrival-Date; then per recipient Original-Recipient (when
//      given), Final-Recipient, Action: failed, Status, Remote-MTA (when
//      known), Diagnostic-Code: smtp; <code> <enhanced> <text>, Last-Attempt-Date.
//   3. text/rfc822-headers: the original message's header block only. RFC
//      6522 allows returning just the headers, and the body is deliberately
//      never returned: campaign bodies hold personal data of the recipient
//      (merge fields) and are large. 7bit, or quoted-printable when the
//      headers hold 8-bit bytes, controls or lines past 998 octets.
//
// Network-supplied values (addresses, reply text, remote host name, original
// headers) cannot add header fields or MIME structure:
// - single-line values lose CR, LF, NUL and every other control (runs of them
//   and of spaces become one space); in the delivery-status part, non-ASCII
//   text becomes '?', and a non-ASCII address uses RFC 6533's "utf-8" address
//   type in its 7-bit xtext form (\x{HEX} for non-ASCII, '+', '=' and '\');
// - the boundary is derived from the token and checked against every part's
//   content (anywhere, not only at a line start); on a hit a counter suffix is
//   tried next, so it never occurs inside the message;
// - Diagnostic-Code is folded at spaces (a word past 900 octets is split), so
//   no line passes 998 octets.
//
// Limits (named once, below): reply text dsn_max_reply_text, addresses and the
// remote host name dsn_max_address, original headers dsn_max_original_headers
// (cut after the last whole field that fits). Longer values are cut on a UTF-8
// character boundary and marked with "...".
//
// Preconditions (broken invariants, asserted): a non-null envelope sender
// (dsn_suppressed says null_sender otherwise) and at least one recipient.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "relay/smtp/reply.hpp"

namespace kizuna::delivery {

// A downstream reply text is one line in practice; 1000 octets keeps a hostile
// or verbose server's text from bloating each DSN (RFC 5321 §4.5.3.1.5 allows 512).
inline constexpr std::size_t dsn_max_reply_text = 1000;
// Twice RFC 5321's 256-octet path: every address the session accepted fits;
// the xtext form of a longer one could pass the 998-octet line limit.
inline constexpr std::size_t dsn_max_address = 512;
// Returned headers: a normal header block is a few KB; 64 KiB keeps a DSN for
// a message with huge headers (long Received chains, DKIM) small.
inline constexpr std::size_t dsn_max_original_headers = 64 * 1024;

struct dsn_recipient {
  std::string original;     // as written in RCPT TO, without <>; "" leaves out Original-Recipient
  std::string final;        // the address the copy was sent to
  smtp::reply reply;        // the downstream's reply {code, enhanced, text}
  std::string remote_mta;   // the downstream's host name; "" leaves out Remote-MTA
  std::chrono::system_clock::time_point last_attempt{};  // epoch: the request's date
};

struct dsn_request {
  std::string reporting_mta;    // our hostname (settings hostname)
  std::string envelope_sender;  // MAIL FROM path, without <>: where the DSN goes (non-empty)
  std::string envelope_id;      // RFC 3461 ENVID (xtext-decoded); "" leaves out Original-Envelope-Id
  std::string transaction_id;   // ours, named in the human-readable part for the admin
  std::string token;            // unique per DSN: Message-ID <token@reporting_mta>, boundary seed
  std::chrono::system_clock::time_point arrival_date;  // when the client's DATA was accepted
  std::chrono::system_clock::time_point date;          // now: Date, default Last-Attempt-Date
  std::vector<dsn_recipient> recipients;               // the refused ones (at least one)
  // The message's header block, plain form (not dot-stuffed); a whole message
  // is fine: only its header block is read. Not owned: must outlive the call.
  std::string_view original_headers;
};

// The complete DSN, CRLF line ends, not dot-stuffed.
std::string build_dsn(const dsn_request& request);

// Whether a refused message gets a DSN at all, and if not, why (for the audit).
enum class dsn_suppression {
  none,             // a DSN is owed
  null_sender,      // MAIL FROM:<>: never (RFC 5321 §4.5.5 / §6.1, RFC 3464 loop avoidance)
  delivery_report,  // the message is itself a report: multipart/report with report-type
                    // delivery-status or disposition-notification (a bounce of a bounce loops)
  auto_response,    // Auto-Submitted: auto-replied (or any value but "no" / "auto-generated")
};
const char* to_string(dsn_suppression s);

// The rule, decided on the envelope sender and the message's own header block:
// - null reverse-path: none ever (the loop-avoidance rule every MTA follows);
// - a delivery or disposition report (its sender should have been null
//   already; some gateways rewrite it): none;
// - Auto-Submitted (RFC 3834): "no" or absent: owed. "auto-replied" and any
//   other value (auto-notified, extensions): none, an auto-response answering
//   an auto-response is the ping-pong RFC 3834 exists to stop.
//   "auto-generated" is the deliberate exception, and only it is governed by
//   bounce_auto_generated (default true: owed): campaign and newsletter mail
//   is routinely marked auto-generated and its senders rely on DSNs to clean
//   their lists (so does feedback/ bounce suppression); the DSN goes out with
//   a null sender and Auto-Submitted: auto-replied, so it cannot loop. This is
//   what Postfix and Exim do (they look at the sender only).
dsn_suppression dsn_suppressed(std::string_view envelope_sender, std::string_view original_headers,
                               bool bounce_auto_generated = true);

// The Status field for a refused recipient (RFC 3463): the reply's enhanced
// status with class 5 when it is well formed with class 4 or 5 ("5.1.1"; a
// "4.4.1" the relay gave up on becomes "5.4.1"), else "5.0.0" (no or a
// malformed enhanced status). For the audit record's `bounce` too.
std::string dsn_status(const smtp::reply& reply);

}  // namespace kizuna::delivery
