#include "relay/core/dot_stuffing.hpp"

namespace kizuna {

std::string unstuff_dots(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  std::size_t pos = wire.starts_with('.') ? 1 : 0;
  // Whole runs between stuffed line starts: a message has few of them.
  for (std::size_t at; (at = wire.find("\n.", pos)) != std::string_view::npos; pos = at + 2)
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
  if (!plain.starts_with('.') && plain.find("\n.") == std::string::npos) return plain;
  std::string wire;
  wire.reserve(plain.size() + plain.size() / 512 + 8);
  // Whole runs up to each line start that needs its extra '.'.
  std::size_t pos = 0;
  if (plain.starts_with('.')) wire.push_back('.');
  for (std::size_t at; (at = plain.find("\n.", pos)) != std::string::npos; pos = at + 1)
    wire.append(plain, pos, at + 1 - pos).push_back('.');
  wire.append(plain, pos);
  return wire;
}

}  // namespace kizuna
