#include "relay/mime/content_type.hpp"

#include <algorithm>
#include <cstddef>

#include "relay/mime/charset.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/lines.hpp"

namespace kizuna::mime {
namespace {

constexpr std::size_t max_parameters = 256;
constexpr int max_section = 999;

bool is_tspecial(char c) noexcept { return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos; }

bool is_token_char(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u > 32 && u < 127 && !is_tspecial(c);
}

struct cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const noexcept { return i >= s.size(); }
  char peek() const noexcept { return s[i]; }

  void skip_cfws() noexcept {
    while (i < s.size()) {
      const char c = s[i];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        ++i;
      } else if (c == '(') {
        int depth = 0;
        while (i < s.size()) {
          if (s[i] == '\\') {
            i += 2;
            continue;
          }
          if (s[i] == '(') ++depth;
          if (s[i] == ')' && --depth == 0) {
            ++i;
            break;
          }
          ++i;
        }
        if (i > s.size()) i = s.size();
      } else {
        break;
      }
    }
  }

  std::string_view token() noexcept {
    const std::size_t b = i;
    while (i < s.size() && is_token_char(s[i])) ++i;
    return s.substr(b, i - b);
  }

  std::string quoted() {
    std::string out;
    ++i;  // opening quote
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\' && i + 1 < s.size()) ++i;
      out.push_back(s[i]);
      ++i;
    }
    if (i < s.size()) ++i;  // closing quote (missing: runs to the end)
    return out;
  }

  std::string_view until_semicolon() noexcept {
    const std::size_t b = i;
    while (i < s.size() && s[i] != ';' && !detail::is_wsp(s[i])) ++i;
    return s.substr(b, i - b);
  }

  void skip_to_semicolon() noexcept {
    while (i < s.size() && s[i] != ';') {
      if (s[i] == '"') {
        quoted();
        continue;
      }
      ++i;
    }
  }
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = detail::ascii_lower(c);
  return out;
}

struct raw_param {
  std::string base;
  int section = -1;  // -1: not sectioned
  bool extended = false;
  std::string value;
};

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool decodes_text(std::string_view name) noexcept { return name == "name" || name == "filename"; }

// Joins RFC 2231 sections (or the one name*= value) and converts them to UTF-8.
std::string assemble_extended(std::vector<const raw_param*> segs) {
  std::stable_sort(segs.begin(), segs.end(), [](auto* a, auto* b) { return a->section < b->section; });
  std::string bytes, charset;
  int expected = segs.front()->section < 0 ? -1 : 0;
  for (std::size_t k = 0; k < segs.size(); ++k) {
    const raw_param& p = *segs[k];
    if (p.section != expected) {
      if (k > 0 && p.section == segs[k - 1]->section) continue;  // a duplicate section: first wins
      break;                                                      // a gap ends the value
    }
    std::string_view v = p.value;
    if (k == 0 && p.extended) {  // charset'language'value
      const std::size_t q1 = v.find('\'');
      const std::size_t q2 = q1 == std::string_view::npos ? q1 : v.find('\'', q1 + 1);
      if (q2 != std::string_view::npos) {
        charset = std::string(v.substr(0, q1));
        v.remove_prefix(q2 + 1);
      }
    }
    bytes += p.extended ? percent_decode(v) : std::string(v);
    if (expected < 0) break;
    ++expected;
  }
  if (!charset.empty()) {
    if (auto r = to_utf8(bytes, charset)) return r->text;
  }
  return sanitize_utf8(bytes).text;
}

bool needs_quotes(std::string_view v) noexcept {
  if (v.empty()) return true;
  return !std::all_of(v.begin(), v.end(), is_token_char);
}

std::string format_parameter(const parameter& p) {
  bool ascii = true;
  for (char c : p.value)
    if (static_cast<unsigned char>(c) >= 0x80 || static_cast<unsigned char>(c) < 0x20) ascii = false;
  if (!ascii) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out = p.name + "*=UTF-8''";
    for (char c : p.value) {
      const auto u = static_cast<unsigned char>(c);
      if (is_token_char(c) && c != '*' && c != '\'' && c != '%') {
        out += c;
      } else {
        out += '%';
        out += hex[u >> 4];
        out += hex[u & 15];
      }
    }
    return out;
  }
  if (!needs_quotes(p.value)) return p.name + '=' + p.value;
  std::string out = p.name + "=\"";
  for (char c : p.value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
  return out;
}

}  // namespace

const parameter* find_parameter(const parameter_list& params, std::string_view name) noexcept {
  for (const auto& p : params)
    if (detail::iequals(p.name, name)) return &p;
  return nullptr;
}

std::string_view content_type::param(std::string_view name) const noexcept {
  const parameter* p = find_parameter(params, name);
  return p ? std::string_view(p->value) : std::string_view();
}

std::string_view content_disposition::param(std::string_view name) const noexcept {
  const parameter* p = find_parameter(params, name);
  return p ? std::string_view(p->value) : std::string_view();
}

parameter_list parse_parameters(std::string_view text) {
  std::vector<raw_param> raw;
  cursor c{text};
  while (raw.size() < max_parameters) {
    c.skip_cfws();
    if (c.done()) break;
    if (c.peek() == ';') {
      ++c.i;
      continue;
    }
    const std::string_view name = c.token();
    c.skip_cfws();
    if (name.empty() || c.done() || c.peek() != '=') {
      if (name.empty() && !c.done()) ++c.i;  // a stray character
      c.skip_to_semicolon();
      continue;
    }
    ++c.i;  // '='
    c.skip_cfws();
    std::string value = (!c.done() && c.peek() == '"') ? c.quoted() : std::string(c.until_semicolon());

    raw_param p;
    std::string n = lower(name);
    if (n.ends_with('*')) {
      p.extended = true;
      n.pop_back();
    }
    if (const std::size_t star = n.rfind('*'); star != std::string::npos && star + 1 < n.size() &&
                                               std::all_of(n.begin() + star + 1, n.end(), [](char d) {
                                                 return d >= '0' && d <= '9';
                                               })) {
      if (n.size() - star - 1 > 3) continue;  // section number past the limit
      p.section = 0;
      for (std::size_t d = star + 1; d < n.size(); ++d) p.section = p.section * 10 + (n[d] - '0');
      if (p.section > max_section) continue;
      n.erase(star);
    }
    // No name left ("*0*=", "*="), or a '*' that is not RFC 2231 syntax ("a**",
    // "a*0*0"): not an attribute (RFC 2231 leaves '*' out of attribute-char), and
    // one that would be formatted as another name; dropped like a missing name.
    if (n.empty() || n.find('*') != std::string::npos) continue;
    p.base = std::move(n);
    p.value = std::move(value);
    raw.push_back(std::move(p));
  }

  parameter_list out;
  for (std::size_t k = 0; k < raw.size(); ++k) {
    const std::string& base = raw[k].base;
    if (find_parameter(out, base) != nullptr) continue;
    std::vector<const raw_param*> extended;
    const raw_param* plain = nullptr;
    for (std::size_t m = k; m < raw.size(); ++m) {
      if (raw[m].base != base) continue;
      if (raw[m].section >= 0 || raw[m].extended) extended.push_back(&raw[m]);
      else if (plain == nullptr) plain = &raw[m];
    }
    parameter p;
    p.name = base;
    if (!extended.empty()) {
      p.value = assemble_extended(std::move(extended));
      p.extended = true;
    } else if (decodes_text(base)) {
      p.value = decode_header_value(plain->value);
    } else {
      p.value = plain->value;
    }
    out.push_back(std::move(p));
  }
  return out;
}

content_type parse_content_type(std::string_view value) {
  content_type ct;
  cursor c{value};
  c.skip_cfws();
  const std::string_view type = c.token();
  c.skip_cfws();
  std::string_view subtype;
  if (!c.done() && c.peek() == '/') {
    ++c.i;
    c.skip_cfws();
    subtype = c.token();
  }
  if (!type.empty() && !subtype.empty()) {
    ct.type = lower(type);
    ct.subtype = lower(subtype);
    ct.present = true;
  }
  ct.params = parse_parameters(value.substr(std::min(c.i, value.size())));
  return ct;
}

content_disposition parse_content_disposition(std::string_view value) {
  content_disposition cd;
  cursor c{value};
  c.skip_cfws();
  cd.type = lower(c.token());
  cd.params = parse_parameters(value.substr(std::min(c.i, value.size())));
  return cd;
}

std::string format_content_type(const content_type& ct, std::size_t name_length, std::string_view newline) {
  std::string out = ct.mime_type();
  std::size_t col = name_length + 2 + out.size();
  for (const parameter& p : ct.params) {
    const std::string text = format_parameter(p);
    out += ';';
    if (col + 2 + text.size() > max_header_line) {
      out += newline;
      col = 0;
    }
    out += ' ';
    out += text;
    col += 2 + text.size();
  }
  return out;
}

}  // namespace kizuna::mime
