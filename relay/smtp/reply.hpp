// SMTP replies as data (never exceptions): {code, enhanced status, text}.
// The table below names every reply Kizuna sends itself, so wording and codes
// live in one place (RFC 5321 §4.2, RFC 3463 enhanced status codes).
#pragma once

#include <string>
#include <string_view>

namespace kizuna::smtp {

struct reply {
  int code = 0;
  std::string enhanced;  // "2.0.0"; empty when the peer did not negotiate ENHANCEDSTATUSCODES
  std::string text;

  bool positive() const { return code >= 200 && code < 400; }
  bool transient() const { return code >= 400 && code < 500; }
  bool permanent() const { return code >= 500; }
  // "250 2.1.0 Ok\r\n" (single line; multi-line EHLO replies are built by the session).
  // Control bytes in text (CR, LF, ...) are sent as spaces so echoed text cannot
  // inject reply lines.
  std::string wire() const;
};

namespace replies {
reply ok();                              // 250 2.0.0 Ok
reply sender_ok();                       // 250 2.1.0 Ok
reply recipient_ok();                    // 250 2.1.5 Ok
reply start_data();                      // 354 End data with <CR><LF>.<CR><LF>
reply bye();                             // 221 2.0.0 Bye
reply vrfy_cannot();                     // 252 2.5.0 Cannot VRFY user, but will accept message
reply help();                            // 214 2.0.0 ...
reply syntax_error(std::string_view why);      // 500 5.5.2
reply param_syntax(std::string_view why);      // 501 5.5.4
reply not_implemented();                       // 502 5.5.1 Command not implemented
reply bad_sequence(std::string_view why);      // 503 5.5.1
reply param_not_implemented(std::string_view why);  // 555 5.5.4
reply bad_sender_syntax(std::string_view why);     // 501 5.1.7 (MAIL path)
reply bad_recipient_syntax(std::string_view why);  // 501 5.1.3 (RCPT path)
// RFC 6531: a non-ASCII path in a transaction whose MAIL had no SMTPUTF8 parameter.
reply non_ascii_address();              // 553 5.6.7 Must declare SMTPUTF8 to send Unicode address
reply line_too_long();                   // 500 5.5.2 Line too long
reply too_many_recipients();             // 452 4.5.3 Too many recipients
reply message_too_large();               // 552 5.3.4 Message size exceeds fixed limit
reply not_allowed_client();              // 554 5.7.1 Client host rejected: relay access denied
reply auth_required();                   // 530 5.7.0 Authentication required
// STARTTLS (RFC 3207) and AUTH (RFC 4954).
reply ready_to_start_tls();              // 220 2.0.0 Ready to start TLS
reply starttls_first();                  // 530 5.7.0 Must issue a STARTTLS command first
reply auth_succeeded();                  // 235 2.7.0 Authentication successful
reply auth_failed();                     // 535 5.7.8 Authentication credentials invalid
reply auth_cancelled();                  // 501 5.0.0 Authentication cancelled
reply auth_bad_response(std::string_view why);  // 501 5.5.2
reply auth_unknown_mechanism();          // 504 5.5.4 Unrecognized authentication type
reply too_many_errors();                 // 421 4.7.0 Too many errors
reply too_many_junk_commands();          // 503 5.7.0 Too many commands without a message
reply timeout();                         // 421 4.4.2 Timeout exceeded
reply shutting_down();                   // 421 4.3.2 Service shutting down
reply too_many_connections();            // 421 4.7.0 Too many connections
reply local_error(std::string_view why); // 451 4.3.0 ...
reply tempfail_downstream(std::string_view why);  // 451 4.4.1 (or the downstream's own 4xx)
}  // namespace replies

}  // namespace kizuna::smtp
