// Drives server_protocol line by line in unit tests, playing the session's part
// where the protocol hands work out: a RCPT is accepted as the delivery stage
// accepts a recipient no policy refuses.
#pragma once

#include <boost/test/unit_test.hpp>
#include <ostream>
#include <string>
#include <string_view>

#include "relay/smtp/server_protocol.hpp"

namespace kizuna::smtp {
inline std::ostream& boost_test_print_type(std::ostream& os, server_protocol::action a) {
  return os << "action#" << int(a);
}
}  // namespace kizuna::smtp

namespace kizuna::smtp::test {

inline server_protocol::response say(server_protocol& p, std::string_view text) {
  auto r = p.on_line(framed_line{.text = text});
  if (r.next == server_protocol::action::check_recipient) return p.recipient_checked(replies::recipient_ok());
  return r;
}

// "250 2.1.0" from "250 2.1.0 Ok\r\n": the part of a reply tests compare.
inline std::string status(const server_protocol::response& r) {
  const auto first = r.wire.find(' ');
  const auto second = r.wire.find(' ', first + 1);
  return r.wire.substr(0, second);
}

}  // namespace kizuna::smtp::test
