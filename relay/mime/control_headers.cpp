#include "relay/mime/control_headers.hpp"

#include <cctype>

namespace kizuna::mime {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

// One header field: its name and its raw text including continuation lines and CRLFs.
struct field {
  std::string_view name;
  std::string_view raw;    // whole field, CRLF-terminated
  std::string_view value;  // after the colon, still folded
};

// Calls f(field) for each field of the header block; stops at the empty line.
template <class F>
void for_each_field(std::string_view wire, F&& f) {
  std::size_t pos = 0;
  while (pos < wire.size()) {
    std::size_t eol = wire.find("\r\n", pos);
    if (eol == std::string_view::npos || eol == pos) return;  // end of headers
    std::size_t end = eol + 2;
    while (end < wire.size() && (wire[end] == ' ' || wire[end] == '\t')) {
      std::size_t next = wire.find("\r\n", end);
      if (next == std::string_view::npos) return;
      end = next + 2;
    }
    std::string_view raw = wire.substr(pos, end - pos);
    std::string_view line = raw;
    if (line.starts_with("..")) line.remove_prefix(1);  // dot-stuffed
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return;  // not a header: the body started without a blank line
    f(field{line.substr(0, colon), raw, line.substr(colon + 1)});
    pos = end;
  }
}

std::optional<std::string> clean_value(std::string_view folded) {
  std::string out;
  for (char c : folded) {
    auto u = static_cast<unsigned char>(c);
    if (c == '\r' || c == '\n') continue;  // unfold
    if (c == '\t') c = ' ';
    else if (u < 0x20 || u == 0x7f) return std::nullopt;
    out.push_back(c);
  }
  auto first = out.find_first_not_of(' ');
  if (first == std::string::npos) return std::nullopt;
  out = out.substr(first, out.find_last_not_of(' ') - first + 1);
  if (out.size() > max_control_value) return std::nullopt;
  return out;
}

}  // namespace

control_headers read_control_headers(std::string_view wire) {
  control_headers h;
  for_each_field(wire, [&](const field& f) {
    if (istarts_with(f.name, "X-Kizuna-")) h.any_control = true;
    if (iequals(f.name, "X-Kizuna-Campaign")) h.campaign = clean_value(f.value);
    else if (iequals(f.name, "X-Kizuna-Persona")) h.persona = clean_value(f.value);
    else if (iequals(f.name, "Message-ID")) h.message_id = clean_value(f.value);
    else if (iequals(f.name, "X-Kizuna-Category")) {
      h.category = clean_value(f.value);
      if (h.category)
        for (char& c : *h.category) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  });
  return h;
}

std::string strip_control_headers(std::string_view wire) {
  std::string out;
  out.reserve(wire.size());
  std::size_t consumed = 0;
  for_each_field(wire, [&](const field& f) {
    const auto start = static_cast<std::size_t>(f.raw.data() - wire.data());
    out.append(wire.substr(consumed, start - consumed));
    if (!istarts_with(f.name, "X-Kizuna-")) out.append(f.raw);
    consumed = start + f.raw.size();
  });
  out.append(wire.substr(consumed));
  return out;
}

}  // namespace kizuna::mime
