#include "relay/config/secret_keys.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "relay/core/base64.hpp"
#include "relay/core/content_lines.hpp"

namespace kizuna::config {
namespace {

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
bool is_alnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

std::string shown(char c) {
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F)
    return fmt::format("byte 0x{:02X}", static_cast<unsigned char>(c));
  return fmt::format("'{}'", c);
}

}  // namespace

std::expected<std::vector<std::string>, std::vector<key_problem>> parse_secret_keys(std::string_view text) {
  std::vector<std::string> keys;
  std::vector<key_problem> problems;
  content_lines lines(text);
  std::string_view line;
  std::size_t line_no = 0;
  while (lines.next(line, line_no)) {
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos) continue;  // only blanks
    const auto last = line.find_last_not_of(" \t");
    const std::string_view key = line.substr(first, last - first + 1);
    if (key.front() == '#') continue;
    auto fail = [&](std::size_t offset, std::string message) {
      problems.push_back({static_cast<int>(line_no), static_cast<int>(first + offset + 1), std::move(message)});
    };
    if (key.size() > max_key_chars) {
      fail(0, fmt::format("a key longer than {} characters", max_key_chars));
      continue;
    }

    std::string bytes;
    if (key.size() % 2 == 0 && std::ranges::all_of(key, is_hex)) {
      for (std::size_t i = 0; i < key.size(); i += 2)
        bytes += static_cast<char>(hex_value(key[i]) << 4 | hex_value(key[i + 1]));
    } else {
      // Base64: the first character outside both alphabets is the error's place.
      const std::string_view data = key.substr(0, key.find_last_not_of('=') + 1);
      const auto bad = std::ranges::find_if(data, [](char c) {
        return !(is_alnum(c) || c == '+' || c == '/' || c == '-' || c == '_');
      });
      if (bad != data.end()) {
        const auto at = static_cast<std::size_t>(bad - data.begin());
        fail(at, fmt::format("unexpected {} in a key (expected one hex or base64 key per line)", shown(*bad)));
        continue;
      }
      const bool standard = key.find_first_of("+/") != std::string_view::npos;
      const bool url = key.find_first_of("-_") != std::string_view::npos;
      if (standard && url) {
        fail(0, "a key mixes the standard (+/) and URL-safe (-_) base64 alphabets");
        continue;
      }
      auto decoded = base64_decode(key, url ? base64_alphabet::url : base64_alphabet::standard,
                                   /*padding_optional=*/true);
      if (!decoded) {
        fail(0, "a key that is neither hex nor valid base64 (wrong length or padding)");
        continue;
      }
      bytes = std::move(*decoded);
    }
    if (bytes.size() < min_key_bytes) {
      fail(0, fmt::format("key of {} bytes; at least {} are required (make one with: openssl rand -hex 32)",
                          bytes.size(), min_key_bytes));
      continue;
    }
    if (keys.size() == max_keys) {
      fail(0, fmt::format("more than {} keys; remove the retired ones", max_keys));
      continue;
    }
    keys.push_back(std::move(bytes));
  }
  if (!problems.empty()) return std::unexpected(std::move(problems));
  return keys;
}

}  // namespace kizuna::config
