// Slot grammar (template.hpp). The scan jumps from one "{{" to the next with
// string_view::find; a candidate that is not a slot costs one byte of
// progress, so the whole scan is linear in the template size.
#include "relay/personalize/slot_parser.hpp"

#include "relay/personalize/limits.hpp"
#include "relay/core/utf8.hpp"

#include <fmt/format.h>

#include <optional>

namespace kizuna::personalize {
namespace {

constexpr bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

constexpr bool is_ascii_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

// One well-formed UTF-8 sequence at s[i] (RFC 3629): its length, 0 if none.
std::size_t decode_utf8(std::string_view s, std::size_t i, char32_t& cp) noexcept {
  const std::size_t len = utf8_sequence_length(s, i);
  if (len < 2) return 0;  // ASCII is handled by the callers
  static constexpr unsigned char lead_bits[] = {0, 0, 0x1F, 0x0F, 0x07};
  cp = static_cast<unsigned char>(s[i]) & lead_bits[len];
  for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return len;
}

std::size_t skip_space(std::string_view s, std::size_t i) noexcept {
  while (i < s.size() && is_space(s[i])) ++i;
  return i;
}

std::size_t scan_name(std::string_view s, std::size_t i) noexcept {
  while (i < s.size()) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      if (!is_ascii_name_char(s[i])) break;
      ++i;
      continue;
    }
    char32_t cp = 0;
    const std::size_t len = decode_utf8(s, i, cp);
    if (len == 0 || !is_name_code_point(cp)) break;
    i += len;
  }
  return i;
}

std::unexpected<compile_error> fail(std::size_t offset, std::string message) {
  compile_error e;
  e.offset = offset;
  e.message = std::move(message);
  return std::unexpected(std::move(e));
}

// Checks the segments and resolves the scope; `out.name` gets the full name.
std::expected<void, compile_error> resolve_name(std::string_view name, std::size_t offset, parsed_slot& out) {
  if (name.size() > max_name_bytes)
    return fail(offset, fmt::format("field name longer than {} bytes", max_name_bytes));
  std::size_t segments = 1;
  for (std::size_t k = 0; k < name.size(); ++k) {
    if (name[k] != '.') continue;
    if (k == 0 || k + 1 == name.size() || name[k + 1] == '.')
      return fail(offset, fmt::format("field name '{}' has an empty segment", name));
    ++segments;
  }
  const std::string_view first = name.substr(0, name.find('.'));
  if (first == "contact") {
    if (segments < 2) return fail(offset, "'contact' needs a field name: {{contact.NAME}}");
    out.scope = field_scope::contact;
    out.name = name;
  } else if (first == "persona") {
    const std::string_view rest = segments < 2 ? std::string_view{} : name.substr(8);
    const bool known = rest == "display_name" || rest == "id" || rest == "address" || rest == "reply_to" ||
                       (rest.starts_with("fields.") && rest.size() > 7);
    if (!known)
      return fail(offset, fmt::format("unknown persona attribute '{}' (known: persona.display_name, persona.id, "
                                      "persona.address, persona.reply_to, persona.fields.NAME)",
                                      name));
    out.scope = field_scope::persona;
    out.name = name;
  } else if (name == "unsubscribe_url") {
    out.scope = field_scope::unsubscribe_url;
    out.name = name;
  } else {
    out.scope = field_scope::contact;
    out.name.reserve(8 + name.size());
    out.name.append("contact.").append(name);
  }
  return {};
}

// `default: "text"`, from just after the word `default`; advances `i`.
std::expected<std::string, compile_error> parse_default(std::string_view s, std::size_t& i) {
  i = skip_space(s, i);
  if (i >= s.size() || s[i] != ':') return fail(i, "expected ':' after 'default' (default: \"text\")");
  i = skip_space(s, i + 1);
  if (i >= s.size() || s[i] != '"') return fail(i, "the default text must be double-quoted: default: \"text\"");
  const std::size_t open = i++;
  std::string text;
  while (true) {
    if (i >= s.size()) return fail(open, "default text not closed: missing '\"'");
    const char c = s[i];
    if (c == '"') {
      ++i;
      break;
    }
    if (c == '\\') {
      if (i + 1 < s.size() && (s[i + 1] == '"' || s[i + 1] == '\\')) {
        text.push_back(s[i + 1]);
        i += 2;
        continue;
      }
      return fail(i, "unknown escape in default text (only \\\" and \\\\)");
    }
    text.push_back(c);
    ++i;
    if (text.size() > max_default_bytes)
      return fail(open, fmt::format("default text longer than {} bytes", max_default_bytes));
  }
  return text;
}

// The slot whose "{{" is at `pos`: nullopt when the text there stays literal.
std::expected<std::optional<parsed_slot>, compile_error> parse_slot(std::string_view s, std::size_t pos) {
  std::size_t i = skip_space(s, pos + 2);
  const std::size_t name_begin = i;
  i = scan_name(s, i);
  if (i == name_begin) return std::nullopt;
  const std::string_view name = s.substr(name_begin, i - name_begin);
  i = skip_space(s, i);
  const bool closes = s.substr(i).starts_with("}}");
  if (!closes && (i >= s.size() || s[i] != '|')) return std::nullopt;

  parsed_slot out;
  out.begin = pos;
  if (auto r = resolve_name(name, name_begin, out); !r) return std::unexpected(std::move(r.error()));
  while (!s.substr(i).starts_with("}}")) {
    if (i >= s.size()) return fail(pos, "merge field not closed: missing '}}'");
    if (s[i] != '|') return fail(i, "expected '|' or '}}' in merge field");
    i = skip_space(s, i + 1);
    const std::size_t filter_begin = i;
    i = scan_name(s, i);
    const std::string_view word = s.substr(filter_begin, i - filter_begin);
    if (word.empty()) return fail(filter_begin, "expected a filter name after '|'");
    if (out.filters.size() == max_filters_per_slot)
      return fail(filter_begin, fmt::format("more than {} filters on one merge field", max_filters_per_slot));
    filter f;
    if (word == "company") {
      f.what = filter::kind::company;
    } else if (word == "default") {
      f.what = filter::kind::default_value;
      auto text = parse_default(s, i);
      if (!text) return std::unexpected(std::move(text.error()));
      f.text = std::move(*text);
    } else {
      return fail(filter_begin, fmt::format("unknown filter '{}' (known: default, company)", word));
    }
    out.filters.push_back(std::move(f));
    i = skip_space(s, i);
  }
  out.end = i + 2;
  return out;
}

}  // namespace

bool is_name_code_point(char32_t cp) noexcept {
  if (cp < 0x80) return is_ascii_name_char(static_cast<char>(cp));
  if (cp < 0xC0) return cp == 0xAA || cp == 0xB5 || cp == 0xBA;  // C1 controls, Latin-1 punctuation
  if (cp == 0xD7 || cp == 0xF7) return false;                    // × ÷
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;  // punctuation, symbols, arrows, math, boxes, dingbats
  if (cp >= 0x2E00 && cp <= 0x2E7F) return false;  // supplemental punctuation
  if (cp >= 0x2FF0 && cp <= 0x2FFF) return false;  // ideographic description
  if (cp >= 0x3000 && cp <= 0x3004) return false;  // ideographic space, 、 。 〃 〄
  if (cp >= 0x3008 && cp <= 0x3020) return false;  // 「」『』【】 etc.
  if (cp == 0x3030 || cp == 0x303D || cp == 0x30A0) return false;
  if (cp >= 0x3200 && cp <= 0x33FF) return false;  // enclosed CJK, ㈱ ㍿ squares
  if (cp >= 0xD800 && cp <= 0xF8FF) return false;  // surrogates, private use
  if (cp >= 0xFE10 && cp <= 0xFE1F) return false;  // vertical forms
  if (cp >= 0xFE30 && cp <= 0xFE6F) return false;  // CJK compatibility and small forms
  if (cp == 0xFEFF) return false;                  // BOM
  if (cp >= 0xFF01 && cp <= 0xFF0F) return false;  // full-width ！＂＃…／
  if (cp >= 0xFF1A && cp <= 0xFF20) return false;  // ：；＜＝＞？＠
  if (cp >= 0xFF3B && cp <= 0xFF40) return false;  // ［＼］＾＿｀
  if (cp >= 0xFF5B && cp <= 0xFF65) return false;  // ｛｜｝～ and half-width 。「」、・
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;  // specials
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;  // emoji and pictographs
  if (cp >= 0xF0000) return false;                   // private use planes
  return true;
}

std::expected<std::vector<parsed_slot>, compile_error> find_slots(std::string_view src) {
  std::vector<parsed_slot> slots;
  std::size_t pos = 0;
  while ((pos = src.find("{{", pos)) != std::string_view::npos) {
    auto r = parse_slot(src, pos);
    if (!r) return std::unexpected(std::move(r.error()));
    if (!*r) {
      ++pos;
      continue;
    }
    if (slots.size() == max_slots) return fail(pos, fmt::format("more than {} merge fields", max_slots));
    pos = (*r)->end;
    slots.push_back(std::move(**r));
  }
  return slots;
}

}  // namespace kizuna::personalize
