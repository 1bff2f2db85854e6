// The Received: header Kizuna prepends to each relayed copy (RFC 5321 §4.4),
// built from the envelope alone so it is unit-testable without a clock.
//
// The "with" keyword follows RFC 3848 and RFC 6531: ESMTP / LMTP, plus S when
// the message came over TLS and A when the client authenticated (ESMTPS,
// ESMTPSA, LMTPA, UTF8SMTPS, ...); SMTP after HELO. The client's HELO text is
// cut to 255 visible ASCII characters without comment delimiters, so it cannot
// break the header. The AUTH identity is not disclosed (Postfix's default).
#pragma once

#include <string>
#include <string_view>

#include "relay/smtp/envelope.hpp"

namespace kizuna::smtp {

std::string received_protocol(const envelope& env);

// "Received: from helo (client)\r\n\tby host (Kizuna) with ESMTPS id ID[\r\n\tfor <rcpt>]; date\r\n".
std::string received_header(const envelope& env, std::string_view hostname, std::string_view date);

}  // namespace kizuna::smtp
