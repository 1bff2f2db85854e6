#include "relay/admin/one_click.hpp"

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>

namespace kizuna::admin {
namespace {

constexpr std::string_view field = "List-Unsubscribe";
constexpr std::string_view value = "One-Click";

std::string lower(std::string_view s) {
  std::string out(s);
  std::ranges::transform(out, out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// The value of parameter `name` in "type; a=b; name=\"v\"" (quotes removed; no
// escapes inside, which a boundary or form name never needs); nullopt if absent.
std::optional<std::string_view> parameter(std::string_view header, std::string_view name) {
  std::size_t pos = header.find(';');
  while (pos != std::string_view::npos) {
    std::string_view rest = header.substr(pos + 1);
    // A quoted value may contain ';': find this parameter's end with that in mind.
    const auto eq = rest.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const auto key = trim(rest.substr(0, eq));
    std::string_view v = rest.substr(eq + 1);
    v = v.substr(std::min(v.find_first_not_of(" \t"), v.size()));
    std::size_t end;
    std::string_view parsed;
    if (v.starts_with('"')) {
      const auto close = v.find('"', 1);
      if (close == std::string_view::npos) return std::nullopt;
      parsed = v.substr(1, close - 1);
      end = v.find(';', close);
    } else {
      end = v.find(';');
      parsed = trim(v.substr(0, end));
    }
    if (lower(key) == name) return parsed;
    if (end == std::string_view::npos) return std::nullopt;
    pos = static_cast<std::size_t>(v.data() + end - header.data());
  }
  return std::nullopt;
}

bool urlencoded_one_click(std::string_view body) {
  if (body.ends_with("\r\n"))
    body.remove_suffix(2);
  else if (body.ends_with('\n'))
    body.remove_suffix(1);
  return body.size() == field.size() + 1 + value.size() && body.starts_with(field) && body[field.size()] == '=' &&
         body.ends_with(value);
}

bool multipart_one_click(std::string_view content_type, std::string_view body) {
  const auto boundary = parameter(content_type, "boundary");
  if (!boundary || boundary->empty() || boundary->size() > 70) return false;  // RFC 2046 §5.1.1
  const std::string delimiter = "--" + std::string(*boundary);
  // The first delimiter starts the body or a line after a preamble.
  std::size_t at = body.starts_with(delimiter) ? 0 : body.find("\r\n" + delimiter);
  if (at == std::string_view::npos) return false;
  at += at == 0 && body.starts_with(delimiter) ? delimiter.size() : 2 + delimiter.size();
  std::string_view rest = body.substr(at);
  rest = rest.substr(std::min(rest.find_first_not_of(" \t"), rest.size()));  // transport padding
  if (!rest.starts_with("\r\n")) return false;
  rest.remove_prefix(2);

  // The part's headers: Content-Disposition (required) and Content-Type (ignored).
  const auto headers_end = rest.find("\r\n\r\n");
  if (headers_end == std::string_view::npos) return false;
  std::string_view headers = rest.substr(0, headers_end + 2);
  bool named = false;
  while (!headers.empty()) {
    const auto eol = headers.find("\r\n");
    const std::string_view line = headers.substr(0, eol);
    headers.remove_prefix(eol + 2);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return false;
    const auto name = lower(trim(line.substr(0, colon)));
    const auto text = trim(line.substr(colon + 1));
    if (name == "content-disposition") {
      if (lower(trim(text.substr(0, text.find(';')))) != "form-data") return false;
      const auto n = parameter(text, "name");
      if (!n || *n != field || named) return false;
      named = true;
    } else if (name != "content-type") {
      return false;
    }
  }
  if (!named) return false;

  // The content, then the closing delimiter: exactly one part.
  rest.remove_prefix(headers_end + 4);
  const std::string close = "\r\n" + delimiter;
  const auto end = rest.find(close);
  if (end == std::string_view::npos || rest.substr(0, end) != value) return false;
  return rest.substr(end + close.size()).starts_with("--");
}

}  // namespace

bool is_one_click(std::string_view content_type, std::string_view body) {
  const auto media = lower(trim(content_type.substr(0, content_type.find(';'))));
  if (media == "application/x-www-form-urlencoded") return urlencoded_one_click(body);
  if (media == "multipart/form-data") return multipart_one_click(content_type, body);
  return false;
}

}  // namespace kizuna::admin
