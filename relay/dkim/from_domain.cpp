#include "relay/dkim/from_domain.hpp"

#include "relay/core/address.hpp"

namespace kizuna::dkim {

std::expected<std::string, std::string> from_domain(std::string_view value) {
  // One pass: note angle-bracket content and top-level separators outside quotes and comments.
  std::string bare;  // the value without comments and quoted strings (for a bare addr-spec)
  std::string_view angle;
  int angles = 0;
  int depth = 0;  // comment nesting
  bool quoted = false;
  std::size_t open = std::string_view::npos;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (quoted) {
      if (c == '\\') ++i;
      else if (c == '"') quoted = false;
      continue;
    }
    if (depth > 0) {
      if (c == '\\') ++i;
      else if (c == '(') ++depth;
      else if (c == ')') --depth;
      continue;
    }
    switch (c) {
      case '"': quoted = true; continue;
      case '(': depth = 1; continue;
      case '<':
        if (open != std::string_view::npos) return std::unexpected("a '<' inside the address");
        open = i;
        continue;
      case '>':
        if (open == std::string_view::npos) return std::unexpected("a '>' without '<'");
        angle = value.substr(open + 1, i - open - 1);
        open = std::string_view::npos;
        ++angles;
        continue;
      case ',': return std::unexpected("more than one mailbox in From");
      case ':':
      case ';':
        if (open == std::string_view::npos) return std::unexpected("a group in From, not a mailbox");
        break;
      default: break;
    }
    if (open == std::string_view::npos && c != ' ' && c != '\t') bare += c;
  }
  if (quoted || depth > 0 || open != std::string_view::npos) return std::unexpected("an unterminated From field");
  if (angles > 1) return std::unexpected("more than one mailbox in From");
  const std::string_view addr = angles == 1 ? angle : std::string_view(bare);
  const auto at = addr.rfind('@');
  if (at == std::string_view::npos) return std::unexpected("no address with a domain in From");
  std::string_view domain = addr.substr(at + 1);
  while (!domain.empty() && (domain.front() == ' ' || domain.front() == '\t')) domain.remove_prefix(1);
  while (!domain.empty() && (domain.back() == ' ' || domain.back() == '\t')) domain.remove_suffix(1);
  auto d = normalize_domain(domain);
  if (!d) return std::unexpected("the From domain is not valid: " + d.error());
  return *d;
}

}  // namespace kizuna::dkim
