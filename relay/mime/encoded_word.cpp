#include "relay/mime/encoded_word.hpp"

#include "relay/core/utf8.hpp"
#include "relay/mime/charset.hpp"
#include "relay/mime/lines.hpp"
#include "relay/mime/transfer_encoding.hpp"

namespace kizuna::mime {
namespace {

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

struct encoded_word {
  std::string_view charset;  // language suffix removed
  char encoding = 'B';
  std::string_view text;
  std::size_t end = 0;       // just past "?="
};

// Parses "=?charset?X?text?=" at s[pos] (which starts with "=?").
bool parse_encoded_word(std::string_view s, std::size_t pos, encoded_word& w) noexcept {
  std::size_t i = pos + 2;
  const std::size_t cs_begin = i;
  while (i < s.size() && s[i] != '?' && static_cast<unsigned char>(s[i]) > 32 && static_cast<unsigned char>(s[i]) < 127)
    ++i;
  if (i >= s.size() || s[i] != '?' || i == cs_begin || i - cs_begin > 64) return false;
  std::string_view charset = s.substr(cs_begin, i - cs_begin);
  if (auto star = charset.find('*'); star != std::string_view::npos) charset = charset.substr(0, star);
  if (i + 2 >= s.size() || s[i + 2] != '?') return false;
  const char enc = s[i + 1];
  if (enc != 'B' && enc != 'b' && enc != 'Q' && enc != 'q') return false;
  const std::size_t text_begin = i + 3;
  const std::size_t close = s.find("?=", text_begin);
  if (close == std::string_view::npos) return false;
  for (std::size_t k = text_begin; k < close; ++k) {
    const auto c = static_cast<unsigned char>(s[k]);
    if (c <= 32 || c >= 127) return false;  // no whitespace or 8-bit inside a word
  }
  w = {charset, static_cast<char>(detail::ascii_lower(enc) == 'b' ? 'B' : 'Q'), s.substr(text_begin, close - text_begin),
       close + 2};
  return true;
}

std::string decode_q(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '_') {
      out.push_back(' ');
    } else if (c == '=' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// Text outside encoded-words.
void append_raw(std::string& out, std::string_view text, std::string_view fallback) {
  bool ascii = true;
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
  if (ascii && text.find("\x1b$") == std::string_view::npos) {
    out.append(text);
    return;
  }
  if (ascii) {  // raw ISO-2022-JP, as some Japanese mailers still send
    if (auto r = to_utf8(text, "ISO-2022-JP")) {
      out += r->text;
      return;
    }
  }
  utf8_text u = sanitize_utf8(text);
  if (u.lossy && !fallback.empty()) {
    if (auto r = to_utf8(text, fallback)) {
      out += r->text;
      return;
    }
  }
  out += u.text;
}

bool needs_encoding(std::string_view s) noexcept {
  if (s.find("=?") != std::string_view::npos) return true;
  std::size_t word = 0;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x7f || (u < 0x20 && c != '\t')) return true;
    word = (c == ' ' || c == '\t') ? 0 : word + 1;
    if (word > max_encoded_word) return true;  // could not be folded
  }
  return false;
}

std::string clean(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s)
    if (c != '\r' && c != '\n' && c != '\0') out.push_back(c);
  return out;
}

// Folds printable ASCII at spaces; `used` is what the first line already holds.
std::string fold_ascii(std::string_view s, std::size_t used, std::string_view newline) {
  std::string out;
  std::size_t col = used;
  std::size_t i = 0;
  while (i < s.size()) {
    // the next word with the whitespace before it
    std::size_t j = i;
    while (j < s.size() && detail::is_wsp(s[j])) ++j;
    while (j < s.size() && !detail::is_wsp(s[j])) ++j;
    const std::string_view chunk = s.substr(i, j - i);
    if (col + chunk.size() > max_header_line && i > 0 && detail::is_wsp(chunk.front())) {
      out += newline;  // the fold goes before the whitespace, which then starts the next line
      col = 0;
    }
    out += chunk;
    col += chunk.size();
    i = j;
  }
  return out;
}

// B encoded-words in UTF-8, one per line; `used` is what the first line already holds.
std::string encode_words(std::string_view s, std::size_t used, std::string_view newline) {
  constexpr std::string_view prefix = "=?UTF-8?B?";
  constexpr std::size_t overhead = prefix.size() + 2;  // and "?="
  std::string out;
  std::size_t col = used;
  bool line_has_word = false;
  std::size_t i = 0;
  while (i < s.size()) {
    if (line_has_word) {
      out += newline;
      out += ' ';
      col = 1;
      line_has_word = false;
    }
    // Room for this word: at most 75 characters, the line at most 78.
    std::size_t room = max_header_line > col ? max_header_line - col : 0;
    if (room > max_encoded_word) room = max_encoded_word;
    const std::size_t max_bytes = room > overhead ? (room - overhead) / 4 * 3 : 0;
    std::size_t n = 0;
    while (i + n < s.size()) {
      std::size_t len = utf8_sequence_length(s, i + n);
      if (len == 0) len = 1;  // not reached for valid UTF-8
      if (n + len > max_bytes) break;
      n += len;
    }
    if (n == 0 && col > 1) {  // a long field name leaves no room: start on the next line
      out += newline;
      out += ' ';
      col = 1;
      continue;
    }
    if (n == 0) n = 1;  // unreachable (a continuation line holds 45 bytes); guarantees progress
    const std::string word = std::string(prefix) + encode_base64(s.substr(i, n), "") + "?=";
    out += word;
    col += word.size();
    line_has_word = true;
    i += n;
  }
  return out;
}

bool is_atext(char c) noexcept {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

}  // namespace

std::string decode_header_value(std::string_view value, std::string_view fallback_charset) {
  std::string out;
  out.reserve(value.size());
  // Adjacent encoded-words in one charset are joined before conversion.
  std::string pending;
  std::string_view pending_charset;
  std::size_t pending_begin = 0, pending_end = 0;  // their original text, kept if the charset is unknown
  auto flush = [&] {
    if (pending_end == pending_begin) return;
    if (auto r = to_utf8(pending, pending_charset)) out += r->text;
    else out.append(value.substr(pending_begin, pending_end - pending_begin));
    pending.clear();
    pending_begin = pending_end = 0;
  };

  std::size_t i = 0;
  bool after_word = false;
  while (i < value.size()) {
    std::size_t j = value.find("=?", i);
    encoded_word w;
    while (j != std::string_view::npos && !parse_encoded_word(value, j, w)) j = value.find("=?", j + 1);
    const std::string_view literal = value.substr(i, (j == std::string_view::npos ? value.size() : j) - i);
    const bool only_space = literal.find_first_not_of(" \t\r\n") == std::string_view::npos;
    if (!(after_word && only_space && j != std::string_view::npos)) {
      flush();
      append_raw(out, literal, fallback_charset);
    }
    if (j == std::string_view::npos) break;
    std::string bytes = w.encoding == 'B' ? decode_base64(w.text).data : decode_q(w.text);
    if (pending_end != pending_begin && !detail::iequals(pending_charset, w.charset)) flush();
    if (pending_end == pending_begin) {
      pending_charset = w.charset;
      pending_begin = j;
    }
    pending += bytes;
    pending_end = w.end;
    after_word = true;
    i = w.end;
  }
  flush();
  return out;
}

std::string encode_header_value(std::string_view utf8, std::size_t name_length, std::string_view newline) {
  const std::string s = clean(utf8);
  const std::size_t used = name_length + 2;  // "Name: "
  if (!needs_encoding(s)) return fold_ascii(s, used, newline);
  return encode_words(s, used, newline);
}

std::string format_mailbox(std::string_view display_name, std::string_view address, std::size_t name_length,
                           std::string_view newline) {
  std::string addr;
  for (char c : address)
    if (c != '\r' && c != '\n' && c != '\0' && c != '<' && c != '>') addr.push_back(c);
  const std::string name = std::string(detail::trim_wsp(clean(display_name)));
  if (name.empty()) return addr;

  std::string out;
  const std::size_t used = name_length + 2;
  bool atoms = true, printable = true;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u >= 0x7f) printable = false;
    if (!is_atext(c) && c != ' ') atoms = false;
  }
  if (!needs_encoding(name) && printable && atoms) {
    out = name;
  } else if (!needs_encoding(name) && printable) {  // specials: a quoted-string
    out = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  } else {
    out = encode_words(name, used, newline);
  }
  const std::size_t last_nl = out.rfind('\n');
  const std::size_t col = last_nl == std::string::npos ? used + out.size() : out.size() - last_nl - 1;
  if (col + addr.size() + 3 > max_header_line) {
    out += newline;
    out += " <";
  } else {
    out += " <";
  }
  out += addr;
  out += '>';
  return out;
}

}  // namespace kizuna::mime
