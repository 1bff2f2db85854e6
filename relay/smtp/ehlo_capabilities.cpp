#include "relay/smtp/ehlo_capabilities.hpp"

#include <cstdlib>
#include <string_view>

#include "relay/core/ascii.hpp"

namespace kizuna::smtp {
namespace {

// `keyword` is upper case; the line matches when it starts with it, followed by its end or a space.
bool iequals_prefix(std::string_view line, std::string_view keyword) {
  return istarts_with(line, keyword) && (line.size() == keyword.size() || line[keyword.size()] == ' ');
}

bool has_mechanism(std::string_view params, std::string_view mechanism) {
  while (!params.empty()) {
    const auto sp = params.find(' ');
    const auto word = params.substr(0, sp);
    if (iequals_prefix(word, mechanism) && word.size() == mechanism.size()) return true;
    if (sp == std::string_view::npos) break;
    params.remove_prefix(sp + 1);
  }
  return false;
}

}  // namespace

server_capabilities parse_ehlo(std::span<const std::string> lines) {
  server_capabilities caps;
  caps.esmtp = true;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::string_view l = lines[i];
    if (iequals_prefix(l, "PIPELINING")) caps.pipelining = true;
    else if (iequals_prefix(l, "8BITMIME")) caps.eight_bit_mime = true;
    else if (iequals_prefix(l, "SMTPUTF8")) caps.smtputf8 = true;
    else if (iequals_prefix(l, "STARTTLS")) caps.starttls = true;
    // "AUTH=PLAIN" is what some old servers send (pre-RFC 4954 Outlook clients expected it).
    else if (iequals_prefix(l, "AUTH") || (l.size() > 5 && iequals_prefix(l.substr(0, 4), "AUTH") && l[4] == '=')) {
      caps.auth = true;
      if (l.size() > 5 && has_mechanism(l.substr(5), "PLAIN")) caps.auth_plain = true;
    } else if (iequals_prefix(l, "SIZE")) {
      caps.size = true;
      if (l.size() > 5) caps.max_size = std::strtoull(std::string(l.substr(5)).c_str(), nullptr, 10);
    }
  }
  return caps;
}

}  // namespace kizuna::smtp
