// What a downstream server's EHLO reply offers, parsed from its lines (pure).
// RFC 2920 PIPELINING, RFC 1870 SIZE, RFC 6152 8BITMIME, RFC 6531 SMTPUTF8,
// RFC 3207 STARTTLS, RFC 4954 AUTH (mechanism list). Keywords are
// case-insensitive; unknown ones are ignored. The first line (the server's
// name) is not a capability.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kizuna::smtp {

struct server_capabilities {
  bool esmtp = false;
  bool pipelining = false;
  bool size = false;
  uint64_t max_size = 0;  // 0: no limit announced
  bool eight_bit_mime = false;
  bool smtputf8 = false;
  bool starttls = false;
  bool auth = false;        // AUTH offered, with any mechanism
  bool auth_plain = false;  // ... including PLAIN
};

// `lines`: the reply lines of a 250 answer to EHLO, without code and separator.
server_capabilities parse_ehlo(std::span<const std::string> lines);

}  // namespace kizuna::smtp
