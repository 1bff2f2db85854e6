// The single-line values of a DSN (dsn.hpp) made from what the network gave:
// a downstream's reply text, addresses from RCPT and MAIL, host names, tokens;
// and RFC 5322 dates. Each result is one line that cannot end a header field
// or start a MIME part: no CR, LF, NUL or other control, bounded length. Pure.
// RFC 5322 §3.2.3/§3.3, RFC 6532 (UTF-8 in addresses), RFC 6533 §3 (the
// "utf-8" address type's xtext form), RFC 3463 §2 (enhanced status syntax).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace kizuna::delivery::dsn_values {

bool is_ctl(unsigned char c);
// One line of text from the network: controls and runs of space become one
// space, invalid UTF-8 becomes '?', non-ASCII characters stay (utf8) or become
// '?' (ASCII only); trimmed, cut at `max` octets on a character boundary
// (marked "...").
std::string one_line(std::string_view in, std::size_t max, bool utf8);
// RFC 6533 §3 utf-8-addr-xtext: printable ASCII except '+', '=', '\' as is,
// everything else as \x{HEX} (upper case, no leading zeros).
std::string utf8_xtext(std::string_view address);
// "rfc822; a@example.com", or "utf-8; <xtext>" for a non-ASCII address; at
// most dsn_max_address octets of the address are used.
std::string typed_address(std::string_view address);
// RFC 3463 §2: class "." subject (1-3 digits) "." detail (1-3 digits), class 2, 4 or 5.
bool well_formed_enhanced(std::string_view e);
// The envelope sender as the DSN's To address: "<local@domain>", the local
// part quoted when it is not a dot-atom (Japanese carrier addresses like
// "taro..yamada."@docomo.ne.jp). Empty when it cannot be written as an
// address (no '@', a domain that is neither a dot-atom nor a literal): then
// the To field names no one and only the envelope carries the recipient.
std::string recipient_of_dsn(std::string_view sender);
// Host names and tokens: letters, digits, '-', '.' and the bytes in `extra`
// only, at most `max` of them.
std::string host_chars(std::string_view in, std::size_t max, std::string_view extra);
// RFC 5322 §3.3 date-time in UTC ("Tue, 01 Jul 2025 09:00:00 +0000"), locale-free.
std::string rfc5322_date(std::chrono::system_clock::time_point tp);

}  // namespace kizuna::delivery::dsn_values
