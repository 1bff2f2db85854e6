#include "relay/core/dot_stuffing.hpp"

namespace kizuna {

std::string unstuff_dots(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  bool line_start = true;
  for (const char c : wire) {
    if (line_start && c == '.') {
      line_start = false;
      continue;
    }
    line_start = c == '\n';
    out.push_back(c);
  }
  return out;
}

void append_stuffed_dots(std::string& out, std::string_view plain) {
  out.reserve(out.size() + plain.size() + plain.size() / 512 + 8);
  std::size_t pos = 0;
  while (pos < plain.size()) {
    if (plain[pos] == '.') out.push_back('.');
    const std::size_t nl = plain.find('\n', pos);
    const std::size_t end = nl == std::string_view::npos ? plain.size() : nl + 1;
    out.append(plain.substr(pos, end - pos));
    pos = end;
  }
}

}  // namespace kizuna
