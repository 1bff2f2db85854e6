#include "relay/delivery/dsn_values.hpp"

#include <cstdio>

#include "relay/core/ascii.hpp"
#include "relay/core/utf8.hpp"
#include "relay/delivery/dsn.hpp"

namespace kizuna::delivery::dsn_values {
namespace {

// RFC 5322 §3.2.3 atext, with RFC 6532's UTF-8 (any byte >= 0x80; one_line
// already made the text valid UTF-8).
bool is_atext(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '.' ? s[i - 1] == '.' : !is_atext(c)) return false;
  }
  return true;
}

}  // namespace

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7F; }

// One line of text from the network: controls and runs of space become one
// space, invalid UTF-8 becomes '?', non-ASCII characters stay (utf8) or become
// '?' (ASCII only); trimmed, cut at `max` octets on a character boundary
// (marked "...").
std::string one_line(std::string_view in, std::size_t max, bool utf8) {
  std::string out;
  out.reserve(std::min(in.size(), max) + 3);
  bool space = false;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::string_view piece;
    std::size_t len = 1;
    if (c == ' ' || is_ctl(c)) {
      space = !out.empty();
      ++i;
      continue;
    }
    if (c < 0x80) {
      piece = in.substr(i, 1);
    } else if ((len = utf8_sequence_length(in, i)) != 0) {
      piece = utf8 ? in.substr(i, len) : std::string_view("?");
    } else {
      len = utf8_maximal_subpart(in, i);
      piece = "?";
    }
    i += len;
    if (out.size() + space + piece.size() > max) {
      out += "...";
      return out;
    }
    if (space) out += ' ';
    space = false;
    out += piece;
  }
  return out;
}

// RFC 6533 §3 utf-8-addr-xtext: printable ASCII except '+', '=', '\' as is,
// everything else as \x{HEX} (upper case, no leading zeros).
std::string utf8_xtext(std::string_view address) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < address.size();) {
    const auto c = static_cast<unsigned char>(address[i]);
    std::size_t len = utf8_sequence_length(address, i);
    if (len == 0) {  // one_line() already replaced invalid UTF-8; keep this total anyway
      out += '?';
      ++i;
      continue;
    }
    if (len == 1 && c > 0x20 && c < 0x7F && c != '+' && c != '=' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      unsigned cp = len == 1 ? c : (c & (0xFF >> (len + 1)));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(address[i + k]) & 0x3F);
      std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
      out += buf;
    }
    i += len;
  }
  return out;
}

// "rfc822; a@example.com", or "utf-8; ..." (RFC 6533) for a non-ASCII address.
std::string typed_address(std::string_view address) {
  const std::string a = one_line(address, dsn_max_address, true);
  if (is_ascii(a)) return "rfc822; " + a;
  return "utf-8; " + utf8_xtext(a);
}

// RFC 3463 §2: class "." subject (1-3 digits) "." detail (1-3 digits), class 2, 4 or 5.
bool well_formed_enhanced(std::string_view e) {
  const auto dot1 = e.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : e.find('.', dot1 + 1);
  auto digits = [](std::string_view d) {
    if (d.empty() || d.size() > 3) return false;
    for (const char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  return dot1 == 1 && dot2 != std::string_view::npos && (e[0] == '2' || e[0] == '4' || e[0] == '5') &&
         digits(e.substr(2, dot2 - 2)) && digits(e.substr(dot2 + 1));
}

// The envelope sender as the DSN's To address: "<local@domain>", the local
// part quoted when it is not a dot-atom (Japanese carrier addresses like
// "taro..yamada."@docomo.ne.jp). Empty when it cannot be written as an
// address (no '@', a domain that is neither a dot-atom nor a literal): then
// the To field names no one and only the envelope carries the recipient.
std::string recipient_of_dsn(std::string_view sender) {
  const std::string a = one_line(sender, dsn_max_address, true);
  const auto at = a.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size()) return {};
  std::string_view local = std::string_view(a).substr(0, at);
  const std::string_view domain = std::string_view(a).substr(at + 1);
  const bool literal = domain.size() > 2 && domain.front() == '[' && domain.back() == ']' &&
                       domain.substr(1, domain.size() - 2).find_first_of("[]\\ ") == std::string_view::npos;
  if (!literal && !is_dot_atom(domain)) return {};
  std::string plain;  // the local part without its quoting
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    local = local.substr(1, local.size() - 2);
    for (std::size_t i = 0; i < local.size(); ++i) {
      if (local[i] == '\\' && i + 1 < local.size()) ++i;
      plain += local[i];
    }
  } else {
    plain = local;
  }
  std::string out = "<";
  if (is_dot_atom(plain)) {
    out += plain;
  } else {
    out += '"';
    for (const char c : plain) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '@';
  out += domain;
  out += '>';
  return out;
}

// Host names and tokens: only what a DNS name or an id may hold.
std::string host_chars(std::string_view in, std::size_t max, std::string_view extra) {
  std::string out;
  for (const char c : in) {
    if (out.size() >= max) break;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        extra.find(c) != std::string_view::npos)
      out += c;
  }
  return out;
}

// RFC 5322 §3.3 date-time in UTC, locale-free.
std::string rfc5322_date(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(tp);
  const auto day = floor<std::chrono::days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %d %02d:%02d:%02d +0000", days[weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

}  // namespace kizuna::delivery::dsn_values
