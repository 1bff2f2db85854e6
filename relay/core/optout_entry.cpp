#include "relay/core/optout_entry.hpp"

#include <charconv>

namespace kizuna {
namespace {

constexpr std::size_t max_scope = 64;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string sanitize_optout_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '|')
      out.push_back('/');
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out.push_back(' ');
    else
      out.push_back(c);
  }
  const auto kept = trim(out);
  return std::string(kept);
}

std::string encode_optout_entry(const optout_entry& entry) {
  std::string out = std::to_string(entry.at);
  out.push_back('|');
  out += sanitize_optout_text(entry.source);
  out.push_back('|');
  out += sanitize_optout_text(entry.reason);
  return out;
}

std::expected<optout_entry, std::string> decode_optout_entry(std::string_view value) {
  const auto first = value.find('|');
  if (first == std::string_view::npos) return std::unexpected("not \"at|source|reason\"");
  const auto second = value.find('|', first + 1);
  if (second == std::string_view::npos) return std::unexpected("not \"at|source|reason\"");
  auto at = parse_epoch(value.substr(0, first));
  if (!at) return std::unexpected(at.error());
  optout_entry e;
  e.at = *at;
  e.source = std::string(value.substr(first + 1, second - first - 1));
  e.reason = std::string(value.substr(second + 1));
  return e;
}

std::expected<int64_t, std::string> parse_epoch(std::string_view text) {
  text = trim(text);
  if (text.empty()) return std::unexpected("empty time");
  int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || text.front() == '-' || text.front() == '+')
    return std::unexpected("time \"" + std::string(text) + "\" is not Unix epoch seconds");
  if (v > max_optout_epoch) return std::unexpected("time \"" + std::string(text) + "\" is past the year 9999");
  return v;
}

std::expected<std::string, std::string> validate_optout_scope(std::string_view scope) {
  if (scope == "*") return std::string(scope);
  if (scope.empty()) return std::unexpected("empty scope");
  if (scope.size() > max_scope) return std::unexpected("scope longer than 64 characters");
  if (scope == "all") return std::unexpected("scope \"all\" is reserved (it means every scope in optout remove)");
  for (char c : scope) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '-';
    if (!ok) return std::unexpected("scope \"" + sanitize_optout_text(scope) + "\" may only hold letters, digits and . _ : -");
  }
  return std::string(scope);
}

}  // namespace kizuna
