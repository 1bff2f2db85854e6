#include "relay/smtp/client_credentials.hpp"
#include "relay/core/content_lines.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kizuna::smtp {

std::expected<client_credentials, std::string> parse_client_credentials(std::string_view text,
                                                                         std::string_view origin) {
  content_lines lines(text);
  std::string_view line;
  std::size_t line_no = 0;
  while (lines.next(line, line_no)) {
    const auto colon = line.find(':');
    if (colon == std::string_view::npos)
      return std::unexpected(fmt::format("{}:{}: expected \"user:password\"", origin, line_no));
    client_credentials c{std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))};
    if (c.user.empty() || c.password.empty())
      return std::unexpected(fmt::format("{}:{}: empty user or password", origin, line_no));
    return c;
  }
  return std::unexpected(fmt::format("{}: no credentials (expected a line \"user:password\")", origin));
}

std::expected<client_credentials, std::string> load_client_credentials(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::unexpected(fmt::format("{}: cannot open: {}", file.string(), std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return parse_client_credentials(text.str(), file.string());
}

}  // namespace kizuna::smtp
