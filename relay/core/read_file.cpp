#include "relay/core/read_file.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace kizuna {

std::expected<std::string, std::string> read_small_file(const std::filesystem::path& file, std::size_t max_bytes,
                                                        std::string_view what) {
  const auto reason = [] { return std::generic_category().message(errno); };
  std::unique_ptr<std::FILE, decltype(&std::fclose)> in(std::fopen(file.c_str(), "re"), &std::fclose);
  if (!in) return std::unexpected("cannot open: " + reason());
  std::string text;
  char buffer[16384];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, in.get())) {
    text.append(buffer, n);
    if (text.size() > max_bytes) return std::unexpected(fmt::format("larger than {} bytes; not {}", max_bytes, what));
  }
  if (std::ferror(in.get())) return std::unexpected("cannot read: " + reason());
  return text;
}

}  // namespace kizuna
