#include "relay/smtp/trace_header.hpp"

#include <fmt/format.h>

namespace kizuna::smtp {
namespace {

// HELO text goes into a header: keep it to visible ASCII without comment delimiters.
std::string header_safe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 255)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u > 0x20 && u < 0x7f && c != '(' && c != ')' && c != '\\' ? c : '?');
  }
  return out.empty() ? "unknown" : out;
}

}  // namespace

std::string received_protocol(const envelope& env) {
  if (!env.lmtp && !env.helo_esmtp) return "SMTP";  // HELO: RFC 3848 has no SMTPS/SMTPA
  std::string with = env.params.smtputf8 ? "UTF8" : "";
  with += env.lmtp ? "LMTP" : (env.params.smtputf8 ? "SMTP" : "ESMTP");
  if (env.tls) with += 'S';
  if (!env.auth_user.empty()) with += 'A';
  return with;
}

std::string received_header(const envelope& env, std::string_view hostname, std::string_view date) {
  std::string h = fmt::format("Received: from {} ({})\r\n\tby {} (Kizuna) with {} id {}", header_safe(env.helo),
                              env.client_address, hostname, received_protocol(env), env.id);
  if (env.recipients.size() == 1 && env.recipients[0].size() < 200 && !env.params.smtputf8)
    h += fmt::format("\r\n\tfor <{}>", env.recipients[0]);
  h += fmt::format("; {}\r\n", date);
  return h;
}

}  // namespace kizuna::smtp
