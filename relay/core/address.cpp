#include "relay/core/address.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <cstdlib>
#include <memory>

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

bool all_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
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

// "[192.0.2.1]" or "[IPv6:2001:db8::1]" (RFC 5321 §4.1.3), lower-cased.
std::expected<std::string, std::string> normalize_literal(std::string_view d) {
  if (d.size() < 3 || d.back() != ']') return std::unexpected("unterminated address literal");
  std::string inner(d.substr(1, d.size() - 2));
  unsigned char buf[16];
  if (inner.size() > 5 && (inner.compare(0, 5, "IPv6:") == 0 || inner.compare(0, 5, "ipv6:") == 0 ||
                           inner.compare(0, 5, "IPV6:") == 0)) {
    if (inet_pton(AF_INET6, inner.c_str() + 5, buf) != 1) return std::unexpected("invalid IPv6 address literal");
  } else if (inet_pton(AF_INET, inner.c_str(), buf) != 1) {
    return std::unexpected("invalid address literal");
  }
  std::string out;
  append_lower(out, d);
  return out;
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

}  // namespace

std::expected<std::string, std::string> normalize_domain(std::string_view domain) {
  domain = trim(domain);
  if (domain.empty()) return std::unexpected("empty domain");
  for (char c : domain)
    if (is_control(c)) return std::unexpected("control character in domain");
  if (!is_valid_utf8(domain)) return std::unexpected("domain is not valid UTF-8");
  if (domain.front() == '[') return normalize_literal(domain);

  std::string out;
  if (all_ascii(domain)) {
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

  // Split at the '@' that ends the local part.
  std::size_t at = std::string_view::npos;
  if (address.front() == '"') {
    std::size_t i = 1;
    for (; i < address.size() && address[i] != '"'; ++i)
      if (address[i] == '\\') ++i;  // quoted-pair: the next character is literal
    if (i >= address.size()) return std::unexpected("unterminated quoted local part");
    if (i + 1 >= address.size() || address[i + 1] != '@')
      return std::unexpected("a quoted local part must be followed by '@'");
    if (i == 1) return std::unexpected("empty local part");
    at = i + 1;
  } else {
    at = address.find('@');
    if (at == std::string_view::npos) return std::unexpected("no '@' in address");
    for (char c : address.substr(0, at))
      if (is_special(c)) return std::unexpected(std::string("invalid character '") + c + "' in local part");
  }
  const std::string_view local = address.substr(0, at);
  const std::string_view domain = address.substr(at + 1);
  if (local.empty()) return std::unexpected("empty local part");
  if (domain.find('@') != std::string_view::npos) return std::unexpected("more than one '@'");
  if (domain.empty()) return std::unexpected("empty domain");
  if (local.size() > max_local) return std::unexpected("local part longer than 64 octets");
  if (trim(domain).size() != domain.size()) return std::unexpected("space around the domain");

  auto d = normalize_domain(domain);
  if (!d) return std::unexpected(d.error());
  std::string out;
  out.reserve(local.size() + 1 + d->size());
  append_lower(out, local);  // ASCII only: UTF-8 bytes are >= 0x80 and stay as they are
  out.push_back('@');
  out += *d;
  if (out.size() > max_address) return std::unexpected("address longer than 254 octets");
  return out;
}

std::string domain_of(std::string_view normalized) {
  const auto at = normalized.rfind('@');
  if (at == std::string_view::npos) return {};
  return std::string(normalized.substr(at + 1));
}

}  // namespace kizuna
