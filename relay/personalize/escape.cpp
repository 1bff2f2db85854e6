// Escaping functions are written once over a sink that either counts or
// appends, so escaped_size() and append_escaped() cannot disagree. Safe bytes
// are copied in runs, not one by one.
#include "relay/personalize/escape.hpp"

#include "relay/core/ascii.hpp"

namespace kizuna::personalize {
namespace {

struct counter {
  std::size_t n = 0;
  void put(std::string_view s) noexcept { n += s.size(); }
};

struct appender {
  std::string& s;
  void put(std::string_view v) { s.append(v); }
};

constexpr char hex_digits[] = "0123456789ABCDEF";

inline bool is_control(unsigned char c) noexcept { return c < 0x20 || c == 0x7F; }

// What to do with one byte: keep it, drop it, write `with` instead, write
// CRLF (for CR, LF, and a CR LF pair), or write it as %XX.
struct replacement {
  enum kind : std::uint8_t { keep, drop, text, crlf, pct } k = keep;
  std::string_view with;
};

// Generic loop: `classify(c)` says what to do with each byte. CR LF pairs
// are folded into one CRLF when classify returns crlf for CR.
template <class Sink, class Classify>
void escape_loop(std::string_view v, Sink& out, Classify classify) {
  std::size_t run = 0;
  const std::size_t n = v.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(v[i]);
    const replacement r = classify(c);
    if (r.k == replacement::keep) continue;
    if (i > run) out.put(v.substr(run, i - run));
    switch (r.k) {
      case replacement::keep:
      case replacement::drop:
        break;
      case replacement::text:
        out.put(r.with);
        break;
      case replacement::crlf:
        out.put("\r\n");
        if (c == '\r' && i + 1 < n && v[i + 1] == '\n') ++i;
        break;
      case replacement::pct: {
        const char enc[3] = {'%', hex_digits[c >> 4], hex_digits[c & 0x0F]};
        out.put(std::string_view(enc, 3));
        break;
      }
    }
    run = i + 1;
  }
  if (n > run) out.put(v.substr(run));
}

replacement classify_text(unsigned char c) noexcept {
  if (c == '\r' || c == '\n') return {replacement::crlf, {}};
  if (c == '\t' || !is_control(c)) return {};
  return {replacement::drop, {}};
}

replacement classify_header(unsigned char c) noexcept {
  if (c == '\t' || !is_control(c)) return {};
  return {replacement::drop, {}};
}

replacement classify_html(unsigned char c) noexcept {
  switch (c) {
    case '&': return {replacement::text, "&amp;"};
    case '<': return {replacement::text, "&lt;"};
    case '>': return {replacement::text, "&gt;"};
    case '"': return {replacement::text, "&quot;"};
    case '\'': return {replacement::text, "&#39;"};
    case '\r':
    case '\n': return {replacement::crlf, {}};
    case '\t':
    case '\f': return {};
    default: return is_control(c) ? replacement{replacement::drop, {}} : replacement{};
  }
}

replacement classify_unquoted(unsigned char c) noexcept {
  switch (c) {
    case ' ': return {replacement::text, "&#32;"};
    case '\t': return {replacement::text, "&#9;"};
    case '\n': return {replacement::text, "&#10;"};
    case '\r': return {replacement::text, "&#13;"};
    case '\f': return {replacement::text, "&#12;"};
    case '=': return {replacement::text, "&#61;"};
    case '`': return {replacement::text, "&#96;"};
    default: return classify_html(c);
  }
}

inline bool is_alpha(unsigned char c) noexcept { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool is_digit(unsigned char c) noexcept { return c >= '0' && c <= '9'; }

replacement classify_component(unsigned char c) noexcept {
  if (is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~') return {};
  return {replacement::pct, {}};
}

// A URL already checked: bytes never valid in a URL are %-encoded; & and '
// become entities because the result sits in an attribute value.
replacement classify_url(unsigned char c) noexcept {
  if (c <= 0x20 || c >= 0x7F) return {replacement::pct, {}};
  switch (c) {
    case '"':
    case '<':
    case '>':
    case '\\':
    case '^':
    case '`':
    case '{':
    case '|':
    case '}': return {replacement::pct, {}};
    case '&': return {replacement::text, "&amp;"};
    case '\'': return {replacement::text, "&#39;"};
    default: return {};
  }
}

replacement classify_url_raw(unsigned char c) noexcept {
  const replacement r = classify_url(c);
  return r.k == replacement::text ? replacement{} : r;
}

// Browsers strip leading and trailing C0 controls and spaces from URLs.
std::string_view trim_url(std::string_view v) noexcept {
  while (!v.empty() && static_cast<unsigned char>(v.front()) <= 0x20) v.remove_prefix(1);
  while (!v.empty() && static_cast<unsigned char>(v.back()) <= 0x20) v.remove_suffix(1);
  return v;
}

template <class Sink>
void escape_to(escaping e, std::string_view v, Sink& out) {
  switch (e) {
    case escaping::text: return escape_loop(v, out, classify_text);
    case escaping::header: return escape_loop(v, out, classify_header);
    case escaping::html_text:
    case escaping::html_attribute: return escape_loop(v, out, classify_html);
    case escaping::url_component: return escape_loop(v, out, classify_component);
    case escaping::url: {
      const std::string_view t = trim_url(v);
      if (!has_allowed_url_scheme(t)) return out.put("#");
      return escape_loop(t, out, classify_url);
    }
  }
}

template <class Classify>
std::string run(std::string_view v, Classify classify) {
  counter c;
  escape_loop(v, c, classify);
  std::string s;
  s.reserve(c.n);
  appender a{s};
  escape_loop(v, a, classify);
  return s;
}

}  // namespace

std::string_view to_string(escaping e) noexcept {
  switch (e) {
    case escaping::text: return "text";
    case escaping::header: return "header";
    case escaping::html_text: return "html_text";
    case escaping::html_attribute: return "html_attribute";
    case escaping::url: return "url";
    case escaping::url_component: return "url_component";
  }
  return "?";
}

void append_escaped(std::string& out, escaping e, std::string_view value) {
  appender a{out};
  escape_to(e, value, a);
}

std::size_t escaped_size(escaping e, std::string_view value) noexcept {
  counter c;
  escape_to(e, value, c);
  return c.n;
}

std::string text_safe(std::string_view value) { return run(value, classify_text); }
std::string header_safe(std::string_view value) { return run(value, classify_header); }
std::string escape_html(std::string_view value) { return run(value, classify_html); }
std::string percent_encode(std::string_view value) { return run(value, classify_component); }

std::string escape_attribute(std::string_view value, attribute_quoting q) {
  return q == attribute_quoting::quoted ? run(value, classify_html) : run(value, classify_unquoted);
}

bool has_allowed_url_scheme(std::string_view v) noexcept {
  v = trim_url(v);
  std::size_t i = 0;
  if (v.empty() || !is_alpha(static_cast<unsigned char>(v[0]))) return false;
  while (i < v.size()) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (!(is_alpha(c) || is_digit(c) || c == '+' || c == '-' || c == '.')) break;
    ++i;
  }
  if (i == v.size() || v[i] != ':') return false;
  const std::string_view scheme = v.substr(0, i);
  return iequals(scheme, "https") || iequals(scheme, "http") || iequals(scheme, "mailto");
}

std::string safe_url(std::string_view value) {
  const std::string_view t = trim_url(value);
  if (!has_allowed_url_scheme(t)) return "#";
  return run(t, classify_url_raw);
}

}  // namespace kizuna::personalize
