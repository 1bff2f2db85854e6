#include "relay/core/dot_stuffing.hpp"

#include <cstring>

namespace kizuna {
namespace {

// Where "\n." occurs at or after `from` (the index of its '\n'), or npos. Found
// by its dot: base64 and quoted-printable Japanese bodies have almost none, while
// every line has a '\n' (a find("\n.") would stop at each).
std::size_t find_dot_line(std::string_view s, std::size_t from) {
  for (std::size_t at = from + 1; at < s.size();) {
    const void* dot = std::memchr(s.data() + at, '.', s.size() - at);
    if (!dot) break;
    at = static_cast<std::size_t>(static_cast<const char*>(dot) - s.data());
    if (s[at - 1] == '\n') return at - 1;
    ++at;
  }
  return std::string_view::npos;
}

}  // namespace

std::string unstuff_dots(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  std::size_t pos = wire.starts_with('.') ? 1 : 0;
  // Whole runs between stuffed line starts: a message has few of them.
  for (std::size_t at; (at = find_dot_line(wire, pos)) != std::string_view::npos; pos = at + 2)
    out.append(wire.substr(pos, at + 1 - pos));
  out.append(wire.substr(pos));
  return out;
}

std::string wire_form_of_file(std::string_view file) {
  std::string crlf;
  crlf.reserve(file.size() + file.size() / 32);
  for (std::size_t i = 0; i < file.size(); ++i) {
    if (file[i] == '\n' && (i == 0 || file[i - 1] != '\r')) crlf.push_back('\r');
    crlf.push_back(file[i]);
  }
  return stuff_dots(std::move(crlf));
}

std::string stuff_dots(std::string plain) {
  if (!plain.starts_with('.') && find_dot_line(plain, 0) == std::string_view::npos) return plain;
  std::string wire;
  wire.reserve(plain.size() + plain.size() / 512 + 8);
  // Whole runs up to each line start that needs its extra '.'.
  std::size_t pos = 0;
  if (plain.starts_with('.')) wire.push_back('.');
  for (std::size_t at; (at = find_dot_line(plain, pos)) != std::string_view::npos; pos = at + 1)
    wire.append(plain, pos, at + 1 - pos).push_back('.');
  wire.append(plain, pos);
  return wire;
}

}  // namespace kizuna
