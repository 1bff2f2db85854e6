// The envelope of one SMTP/LMTP transaction (RFC 5321 §2.3.1), as the server
// session builds it and the delivery stage reads it. Pure data.
#pragma once

#include <string>
#include <vector>

#include "relay/smtp/command.hpp"

namespace kizuna::smtp {

struct envelope {
  std::string id;              // transaction id, in logs and the Received header
  bool lmtp = false;           // the client spoke LMTP: it gets one reply per recipient
  std::string client_address;  // "[192.0.2.1]:40000" or "unix"
  std::string helo;            // what the client said in HELO/EHLO/LHLO
  bool helo_esmtp = false;     // EHLO/LHLO rather than HELO (for the Received "with" clause)
  bool tls = false;            // received over TLS (STARTTLS): "with ESMTPS" (RFC 3848)
  std::string auth_user;       // the AUTH identity, "" when not authenticated: "with ESMTPA"
  std::string mail_from;       // "" for the null reverse-path
  mail_parameters params;      // SIZE, BODY, SMTPUTF8: carried to downstream
  std::vector<std::string> recipients;
  std::string trace_header;    // our Received: line(s), CRLF-terminated, sent before the message
  std::string fixed_category;  // the listener's `category`: every message here has it ("" = from headers)
};

}  // namespace kizuna::smtp
