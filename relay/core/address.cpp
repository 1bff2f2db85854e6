#include "relay/core/address.hpp"

#include <arpa/inet.h>
#include <idn2.h>
#include <unicase.h>
#include <uninorm.h>

#include <cstdlib>
#include <memory>

#include "relay/core/ascii.hpp"
#include "relay/core/utf8.hpp"

namespace kizuna {
namespace {

constexpr std::size_t max_address = 254;  // RFC 5321 §4.5.3.1 path minus the brackets (RFC 3696 errata)
constexpr std::size_t max_local = 64;     // RFC 5321 §4.5.3.1.1
constexpr std::size_t max_domain = 253;   // 255 octets on the wire = 253 characters written out
constexpr std::size_t max_label = 63;     // RFC 1035 §2.3.4

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f'; }
bool is_control(char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }
char lower(char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(lower(c));
}

// RFC 5322 specials (and space) that cannot appear unquoted in a local part.
bool is_special(char c) {
  switch (c) {
    case ' ': case '"': case '(': case ')': case ',': case ':': case ';':
    case '<': case '>': case '[': case ']': case '\\': case '@':
      return true;
    default:
      return false;
  }
}

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3), in canonical text.
std::expected<std::string, std::string> normalize_literal(std::string_view d) {
  if (d.size() < 3 || d.back() != ']') return std::unexpected("unterminated address literal");
  const std::string inner(d.substr(1, d.size() - 2));
  const bool v6 = istarts_with(inner, "ipv6:");
  unsigned char buf[16];
  if (v6) {
    if (inet_pton(AF_INET6, inner.c_str() + 5, buf) != 1) return std::unexpected("invalid IPv6 address literal");
  } else if (inet_pton(AF_INET, inner.c_str(), buf) != 1) {
    return std::unexpected("invalid address literal");
  }
  // One spelling per address: the canonical text of the parsed address
  // ("[IPv6:2001:DB8:0::1]" and "[ipv6:2001:db8::1]" are one mailbox).
  char text[INET6_ADDRSTRLEN];
  if (!inet_ntop(v6 ? AF_INET6 : AF_INET, buf, text, sizeof text)) return std::unexpected("invalid address literal");
  return std::string(v6 ? "[ipv6:" : "[") + text + "]";
}

// A lower-case A-label domain: labels of letters, digits and hyphens.
std::expected<void, std::string> check_ldh(std::string_view d) {
  if (d.size() > max_domain) return std::unexpected("domain longer than 253 octets");
  std::size_t label = 0;
  for (char c : d) {
    if (c == '.') {
      if (label == 0) return std::unexpected("empty label in domain");
      label = 0;
      continue;
    }
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
      return std::unexpected(std::string("invalid character '") + c + "' in domain");
    if (++label > max_label) return std::unexpected("domain label longer than 63 octets");
  }
  if (label == 0) return std::unexpected("empty label in domain");
  return {};
}

struct idn2_free_deleter {
  void operator()(char* p) const { idn2_free(p); }
};

// RFC 5322 §3.2.3 atext, with RFC 6531's UTF8-non-ascii: what a local part may
// hold unquoted. Dots are checked separately (permissively: see the header).
bool is_atext(char c) {
  const auto u = static_cast<unsigned char>(c);
  if (u >= 0x80) return true;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-':
    case '/': case '=': case '?': case '^': case '_': case '`': case '{': case '|': case '}': case '~':
      return true;
    default:
      return false;
  }
}

// Content that reads the same unquoted: atext and dots only (leading, trailing
// and repeated dots included, as the unquoted form accepts them).
bool is_dot_atom_text(std::string_view s) {
  for (char c : s)
    if (c != '.' && !is_atext(c)) return false;
  return true;
}

struct unquoted {
  std::string content;  // quoted-pairs unescaped
  std::size_t end = 0;  // index just past the closing quote
};

// The quoted-string at the front of `s` (RFC 5322 §3.2.4): its content with
// each quoted-pair reduced to the character it quotes.
std::expected<unquoted, std::string> unquote(std::string_view s) {
  unquoted q;
  std::size_t i = 1;
  for (; i < s.size() && s[i] != '"'; ++i) {
    if (s[i] == '\\') {
      if (++i >= s.size()) break;
    }
    q.content.push_back(s[i]);
  }
  if (i >= s.size()) return std::unexpected("unterminated quoted local part");
  q.end = i + 1;
  return q;
}

// The canonical quoted spelling of a content that needs quotes: only '"' and
// '\\' are escaped (RFC 5322 §3.2.4 qtext is everything else printable).
std::string requote(std::string_view content) {
  std::string out = "\"";
  for (char c : content) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

struct free_deleter {
  void operator()(uint8_t* p) const { std::free(p); }
};

// The local part's case-folded form: ASCII lower-cased; a non-ASCII (RFC 6531)
// local part also lower-cased by Unicode's rules and put in NFC, so composed
// and decomposed spellings of one name are one key.
std::expected<std::string, std::string> fold_local(std::string_view local) {
  if (is_ascii(local)) {
    std::string out;
    out.reserve(local.size());
    append_lower(out, local);
    return out;
  }
  std::size_t n = 0;
  std::unique_ptr<uint8_t, free_deleter> folded(
      u8_tolower(reinterpret_cast<const uint8_t*>(local.data()), local.size(), nullptr, UNINORM_NFC, nullptr, &n));
  if (!folded) return std::unexpected("local part cannot be normalized");
  return std::string(reinterpret_cast<const char*>(folded.get()), n);
}

}  // namespace

std::expected<std::string, std::string> normalize_domain(std::string_view domain) {
  domain = trim(domain);
  if (domain.empty()) return std::unexpected("empty domain");
  for (char c : domain)
    if (is_control(c)) return std::unexpected("control character in domain");
  if (!is_valid_utf8(domain)) return std::unexpected("domain is not valid UTF-8");
  if (domain.front() == '[') return normalize_literal(domain);

  std::string out;
  if (is_ascii(domain)) {
    // Fast path (most addresses): libidn2 copies ASCII labels unchanged anyway.
    append_lower(out, domain);
  } else {
    const std::string input(domain);
    char* converted = nullptr;
    const int rc = idn2_to_ascii_8z(input.c_str(), &converted, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
    std::unique_ptr<char, idn2_free_deleter> owned(converted);
    if (rc != IDN2_OK) return std::unexpected(std::string("domain: ") + idn2_strerror(rc));
    append_lower(out, converted);
  }
  if (auto ok = check_ldh(out); !ok) return std::unexpected(ok.error());
  return out;
}

std::expected<std::string, std::string> normalize_address(std::string_view address) {
  address = trim(address);
  if (address.empty()) return std::unexpected("empty address");
  for (char c : address)
    if (is_control(c)) return std::unexpected("control character in address");
  if (!is_valid_utf8(address)) return std::unexpected("address is not valid UTF-8");

  // Split at the '@' that ends the local part; a quoted local part is reduced to
  // its content (quoted-pairs unescaped) here.
  std::string content;
  std::size_t at = std::string_view::npos;
  if (address.front() == '"') {
    auto q = unquote(address);
    if (!q) return std::unexpected(q.error());
    content = std::move(q->content);
    at = q->end;
    if (at >= address.size() || address[at] != '@')
      return std::unexpected("a quoted local part must be followed by '@'");
  } else {
    at = address.find('@');
    if (at == std::string_view::npos) return std::unexpected("no '@' in address");
    content.assign(address.substr(0, at));
    for (char c : content)
      if (is_special(c)) return std::unexpected(std::string("invalid character '") + c + "' in local part");
  }
  const std::string_view domain = address.substr(at + 1);
  if (content.empty()) return std::unexpected("empty local part");
  if (domain.find('@') != std::string_view::npos) return std::unexpected("more than one '@'");
  if (domain.empty()) return std::unexpected("empty domain");
  if (trim(domain).size() != domain.size()) return std::unexpected("space around the domain");

  auto local = fold_local(content);
  if (!local) return std::unexpected(local.error());
  // A quoted string whose content is a dot-atom is the same mailbox written
  // unquoted (RFC 5321 §4.1.2, RFC 5322 §3.4.1); only a content that needs the
  // quotes keeps them, in one canonical spelling. Decided on the folded text:
  // NFC maps a few characters to ASCII specials (U+037E to ';'), and the key
  // must read the same when normalized again.
  std::string out = is_dot_atom_text(*local) ? std::move(*local) : requote(*local);
  if (out.size() > max_local) return std::unexpected("local part longer than 64 octets");

  auto d = normalize_domain(domain);
  if (!d) return std::unexpected(d.error());
  out.push_back('@');
  out += *d;
  if (out.size() > max_address) return std::unexpected("address longer than 254 octets");
  return out;
}

bool looks_normalized(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((c >= 'A' && c <= 'Z') || u >= 0x80 || u <= 0x20 || c == '"' || c == '\\' || c == '[') return false;
  }
  return true;
}

std::string domain_of(std::string_view normalized) {
  const auto at = normalized.rfind('@');
  if (at == std::string_view::npos) return {};
  return std::string(normalized.substr(at + 1));
}

}  // namespace kizuna
