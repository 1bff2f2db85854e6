// One parsed SMTP/LMTP command line (RFC 5321 §4.1, RFC 2033 LHLO, RFC 1870 SIZE,
// RFC 6152 8BITMIME, RFC 6531 SMTPUTF8). Pure data, produced by parse_command().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kizuna::smtp {

enum class verb { helo, ehlo, lhlo, mail, rcpt, data, rset, noop, quit, vrfy, help, starttls, auth };

enum class body_type { unspecified, seven_bit, eight_bit_mime };

struct mail_parameters {
  std::optional<uint64_t> size;       // SIZE=n
  body_type body = body_type::unspecified;  // BODY=7BIT | 8BITMIME
  bool smtputf8 = false;              // SMTPUTF8
};

struct command {
  verb kind{};
  // HELO/EHLO/LHLO: the client's domain or address literal. VRFY/HELP/NOOP: the
  // raw argument. AUTH: "MECHANISM [initial-response]".
  std::string argument;
  // MAIL: reverse-path, RCPT: forward-path, without the angle brackets
  // ("" for the null reverse-path <>). Source routes (@a,@b:) are dropped.
  std::string path;
  mail_parameters params;  // MAIL only; RCPT parameters are rejected (we offer no DSN)
};

}  // namespace kizuna::smtp
