#include "relay/smtp/command_parser.hpp"

#include <arpa/inet.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "relay/core/ascii.hpp"

namespace kizuna::smtp {
namespace {

// RFC 5321 §4.5.3.1.1 caps what a client should send at 64 octets, and §4.5.3.1
// asks servers to accept longer where they can (Postfix sets no limit): signed
// addresses such as unsubscribe+<token>@ (SPEC §10) are longer than 64.
constexpr std::size_t max_local_part = 192;
constexpr std::size_t max_domain = 255;      // RFC 5321 §4.5.3.1.2
constexpr std::size_t max_label = 63;        // RFC 1035 §2.3.4
constexpr std::size_t max_size_digits = 20;  // RFC 1870: size-value ::= 1*20DIGIT

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_let_dig(char c) { return is_alpha(c) || is_digit(c); }
bool is_high(char c) { return static_cast<unsigned char>(c) >= 0x80; }
bool is_control(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}
std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

// RFC 5322 atext; under SMTPUTF8 (RFC 6531) UTF-8 non-ASCII bytes count too.
bool is_atext(char c, bool utf8) {
  if (is_let_dig(c)) return true;
  if (is_high(c)) return utf8;
  return std::strchr("!#$%&'*+-/=?^_`{|}~", c) != nullptr && c != '\0';
}

bool is_valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The lead byte gives the sequence length and the top payload bits.
    const std::size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (len == 0 || c >= 0xf8 || s.size() - i < len) return false;
    uint32_t cp = c & (0x7fu >> len);
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    // Overlong forms would let "<" or "@" hide in a multi-byte sequence.
    static constexpr std::array<uint32_t, 5> min_cp{0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

// Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str] (RFC 5321
// §4.1.2). `utf8` admits U-labels (RFC 6531); `underscore` is the HELO leniency.
bool is_domain(std::string_view d, bool utf8, bool underscore = false) {
  if (d.empty() || d.size() > max_domain) return false;
  while (true) {
    const auto dot = d.find('.');
    const auto label = d.substr(0, dot);
    if (label.empty() || label.size() > max_label) return false;
    for (char c : label) {
      const bool ok = is_let_dig(c) || c == '-' || (utf8 && is_high(c)) || (underscore && c == '_');
      if (!ok) return false;
    }
    if (label.front() == '-' || label.back() == '-') return false;
    if (dot == std::string_view::npos) return true;
    d.remove_prefix(dot + 1);
  }
}

// IPv4-address-literal: Snum 3("." Snum), Snum = 1*3DIGIT with a value of 0..255.
bool is_ipv4(std::string_view s) {
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (s.empty() || s.front() != '.') return false;
      s.remove_prefix(1);
    }
    std::size_t n = 0;
    unsigned value = 0;
    while (n < s.size() && n < 3 && is_digit(s[n])) value = value * 10 + unsigned(s[n++] - '0');
    if (n == 0 || value > 255) return false;
    s.remove_prefix(n);
  }
  return s.empty();
}

bool is_ipv6(std::string_view s) {
  std::array<char, 64> buf{};  // INET6_ADDRSTRLEN is 46
  if (s.empty() || s.size() >= buf.size()) return false;
  std::memcpy(buf.data(), s.data(), s.size());
  in6_addr addr{};
  return ::inet_pton(AF_INET6, buf.data(), &addr) == 1;
}

// "[1.2.3.4]" or "[IPv6:...]"; RFC 5321 General-address-literal tags are not
// registered beyond IPv6, so they are refused.
bool is_address_literal(std::string_view s) {
  if (s.size() < 3 || s.front() != '[' || s.back() != ']') return false;
  s = s.substr(1, s.size() - 2);
  if (istarts_with(s, "IPv6:")) return is_ipv6(s.substr(5));
  return is_ipv4(s);
}

enum class path_error { none, syntax, too_long, local_too_long, non_ascii };

// Local-part "@" ( Domain / address-literal ), checked for length first.
path_error check_mailbox(std::string_view m, bool utf8) {
  if (m.size() > max_path) return path_error::too_long;
  std::size_t at = 0;
  if (!m.empty() && m.front() == '"') {
    // Quoted-string: qtextSMTP is %d32-33 / %d35-91 / %d93-126, quoted-pair is "\" %d32-126.
    std::size_t i = 1;
    for (; i < m.size() && m[i] != '"'; ++i) {
      const char c = m[i];
      if (c == '\\') {
        if (++i == m.size() || is_high(m[i])) return path_error::syntax;
      } else if (is_high(c) && !utf8) {
        return path_error::syntax;
      }
    }
    if (i == m.size()) return path_error::syntax;
    at = i + 1;
    if (at >= m.size() || m[at] != '@') return path_error::syntax;
  } else {
    at = m.find('@');
    if (at == std::string_view::npos || at == 0) return path_error::syntax;
    // Dot-string: atoms separated by single dots, none leading or trailing.
    const auto local = m.substr(0, at);
    if (local.front() == '.' || local.back() == '.') return path_error::syntax;
    char prev = '\0';
    for (char c : local) {
      if (c == '.' ? prev == '.' : !is_atext(c, utf8)) return path_error::syntax;
      prev = c;
    }
  }
  if (at > max_local_part) return path_error::local_too_long;
  const auto domain = m.substr(at + 1);
  const bool ok = domain.starts_with('[') ? is_address_literal(domain) : is_domain(domain, utf8);
  return ok ? path_error::none : path_error::syntax;
}

// The text between "<" and ">": [A-d-l ":"] Mailbox, or "" (null path) or
// "Postmaster" where the caller allows it. The source route is validated, then
// dropped (RFC 5321 §4.1.2 says to ignore it).
path_error check_path(std::string_view inner, bool utf8, bool rcpt, std::string& out) {
  for (char c : inner) {
    if (is_high(c)) {
      if (!utf8) return path_error::non_ascii;
      if (!is_valid_utf8(inner)) return path_error::syntax;
      break;
    }
  }
  if (inner.empty()) {
    if (rcpt) return path_error::syntax;
    out.clear();
    return path_error::none;
  }
  if (inner.front() == '@') {
    const auto colon = inner.find(':');
    if (colon == std::string_view::npos) return path_error::syntax;
    auto route = inner.substr(0, colon);
    while (!route.empty()) {
      const auto comma = route.find(',');
      const auto hop = route.substr(0, comma);
      if (hop.size() < 2 || hop.front() != '@' || !is_domain(hop.substr(1), utf8)) return path_error::syntax;
      route = comma == std::string_view::npos ? std::string_view{} : route.substr(comma + 1);
      if (comma != std::string_view::npos && route.empty()) return path_error::syntax;
    }
    inner.remove_prefix(colon + 1);
    if (inner.empty()) return path_error::syntax;
  } else if (rcpt && iequals(inner, "Postmaster")) {
    // RFC 5321 §4.1.1.3: "<Postmaster>" without a domain must be accepted.
    out.assign(inner);
    return path_error::none;
  }
  const auto e = check_mailbox(inner, utf8);
  if (e == path_error::none) out.assign(inner);
  return e;
}

reply path_reply(path_error e, bool rcpt) {
  auto bad = rcpt ? replies::bad_recipient_syntax : replies::bad_sender_syntax;
  switch (e) {
    case path_error::too_long:
      return bad("Path too long");
    case path_error::local_too_long:
      return bad("Local part too long");
    case path_error::non_ascii:
      return replies::non_ascii_address();
    default:
      return bad(rcpt ? "Bad recipient address syntax" : "Bad sender address syntax");
  }
}

// SIZE value: 1*20DIGIT; 20-digit values past 2^64-1 saturate, so the session
// answers "message too large" rather than a syntax error.
std::optional<uint64_t> parse_size(std::string_view v) {
  if (v.empty() || v.size() > max_size_digits) return std::nullopt;
  uint64_t n = 0;
  constexpr uint64_t max = std::numeric_limits<uint64_t>::max();
  for (char c : v) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<uint64_t>(c - '0');
    n = (n > (max - d) / 10) ? max : n * 10 + d;
  }
  return n;
}

// esmtp-param *(SP esmtp-param); esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-").
std::optional<reply> parse_params(std::string_view s, bool rcpt, mail_parameters& p) {
  bool seen_size = false, seen_body = false;
  for (s = skip_spaces(s); !s.empty(); s = skip_spaces(s)) {
    const auto end = s.find(' ');
    const auto param = s.substr(0, end);
    s = end == std::string_view::npos ? std::string_view{} : s.substr(end);
    const auto eq = param.find('=');
    const auto keyword = param.substr(0, eq);
    const bool has_value = eq != std::string_view::npos;
    const auto value = has_value ? param.substr(eq + 1) : std::string_view{};
    if (keyword.empty() || !is_let_dig(keyword.front())) return replies::param_syntax("Bad parameter syntax");
    for (char c : keyword)
      if (!is_let_dig(c) && c != '-') return replies::param_syntax("Bad parameter syntax");
    if (has_value && value.empty()) return replies::param_syntax("Bad parameter syntax");
    // We offer no DSN (RFC 3461), the only source of RCPT parameters.
    if (rcpt) return replies::param_not_implemented("Unsupported RCPT parameter");
    if (iequals(keyword, "SIZE")) {
      const auto n = has_value ? parse_size(value) : std::nullopt;
      if (!n) return replies::param_syntax("Bad SIZE value");
      if (std::exchange(seen_size, true)) return replies::param_syntax("Duplicate SIZE parameter");
      p.size = *n;
    } else if (iequals(keyword, "BODY")) {
      if (iequals(value, "7BIT"))
        p.body = body_type::seven_bit;
      else if (iequals(value, "8BITMIME"))
        p.body = body_type::eight_bit_mime;
      else
        return replies::param_syntax("Bad BODY value");
      if (std::exchange(seen_body, true)) return replies::param_syntax("Duplicate BODY parameter");
    } else if (iequals(keyword, "SMTPUTF8")) {
      if (has_value) return replies::param_syntax("SMTPUTF8 takes no value");
      if (std::exchange(p.smtputf8, true)) return replies::param_syntax("Duplicate SMTPUTF8 parameter");
    } else {
      return replies::param_not_implemented("Unsupported MAIL parameter");
    }
  }
  return std::nullopt;
}

// "FROM:<path> [params]" / "TO:<path> [params]", with Postfix's tolerance of
// spaces after the colon.
std::expected<command, reply> parse_path_command(command cmd, std::string_view rest) {
  const bool rcpt = cmd.kind == verb::rcpt;
  const std::string_view prefix = rcpt ? "TO:" : "FROM:";
  if (!istarts_with(rest, prefix))
    return std::unexpected(
        replies::param_syntax(rcpt ? "Syntax: RCPT TO:<address>" : "Syntax: MAIL FROM:<address>"));
  rest = skip_spaces(rest.substr(prefix.size()));
  if (rest.empty() || rest.front() != '<') return std::unexpected(path_reply(path_error::syntax, rcpt));
  // Find the closing ">" outside a quoted local part.
  std::size_t i = 1;
  for (bool quoted = false; i < rest.size(); ++i) {
    if (quoted && rest[i] == '\\')
      ++i;
    else if (rest[i] == '"')
      quoted = !quoted;
    else if (!quoted && rest[i] == '>')
      break;
  }
  if (i >= rest.size()) return std::unexpected(path_reply(path_error::syntax, rcpt));
  const auto inner = rest.substr(1, i - 1);
  const auto after = rest.substr(i + 1);
  if (!after.empty() && after.front() != ' ') return std::unexpected(path_reply(path_error::syntax, rcpt));
  if (auto err = parse_params(after, rcpt, cmd.params)) return std::unexpected(std::move(*err));
  // RCPT may carry UTF-8 whatever this parser knows: the session checks it
  // against the transaction's SMTPUTF8 (see command_parser.hpp).
  const bool utf8 = rcpt || cmd.params.smtputf8;
  if (auto e = check_path(inner, utf8, rcpt, cmd.path); e != path_error::none)
    return std::unexpected(path_reply(e, rcpt));
  return cmd;
}

struct verb_name {
  std::string_view name;
  verb kind;
};
constexpr std::array<verb_name, 13> verbs{{
    {"HELO", verb::helo},
    {"EHLO", verb::ehlo},
    {"LHLO", verb::lhlo},
    {"MAIL", verb::mail},
    {"RCPT", verb::rcpt},
    {"DATA", verb::data},
    {"RSET", verb::rset},
    {"NOOP", verb::noop},
    {"QUIT", verb::quit},
    {"VRFY", verb::vrfy},
    {"HELP", verb::help},
    {"STARTTLS", verb::starttls},
    {"AUTH", verb::auth},
}};

}  // namespace

std::expected<command, reply> parse_command(std::string_view line) {
  if (line.size() > max_command_line - 2) return std::unexpected(replies::line_too_long());
  for (char c : line)
    if (is_control(c)) return std::unexpected(replies::syntax_error("Control characters not allowed"));
  // Trailing spaces are tolerated (some clients pad); leading ones are not.
  while (!line.empty() && line.back() == ' ') line.remove_suffix(1);
  const auto sp = line.find(' ');
  const auto name = line.substr(0, sp);
  const auto rest = sp == std::string_view::npos ? std::string_view{} : skip_spaces(line.substr(sp));

  command cmd;
  bool known = false;
  for (const auto& v : verbs) {
    if (iequals(name, v.name)) {
      cmd.kind = v.kind;
      known = true;
      break;
    }
  }
  if (!known) return std::unexpected(replies::syntax_error("Command unrecognized"));

  switch (cmd.kind) {
    case verb::helo:
    case verb::ehlo:
    case verb::lhlo:
      if (rest.empty()) return std::unexpected(replies::param_syntax("Syntax: EHLO hostname"));
      // Underscores are common in real client host names; Postfix accepts them too.
      if (!is_address_literal(rest) && !is_domain(rest, false, true))
        return std::unexpected(replies::param_syntax("Invalid domain name"));
      cmd.argument.assign(rest);
      return cmd;
    case verb::data:
    case verb::rset:
    case verb::quit:
    case verb::starttls:
      if (!rest.empty()) return std::unexpected(replies::param_syntax("No parameters allowed"));
      return cmd;
    case verb::vrfy:
    case verb::auth:
      if (rest.empty())
        return std::unexpected(replies::param_syntax(cmd.kind == verb::vrfy ? "Syntax: VRFY address"
                                                                            : "Syntax: AUTH mechanism"));
      cmd.argument.assign(rest);
      return cmd;
    case verb::noop:
    case verb::help:
      cmd.argument.assign(rest);
      return cmd;
    case verb::mail:
    case verb::rcpt:
      return parse_path_command(std::move(cmd), rest);
  }
  return std::unexpected(replies::syntax_error("Command unrecognized"));
}

}  // namespace kizuna::smtp
