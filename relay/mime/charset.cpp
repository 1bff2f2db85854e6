#include "relay/mime/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>
#include <string>
#include <utility>

#include "relay/core/utf8.hpp"
#include "relay/mime/iso2022jp.hpp"
#include "relay/mime/lines.hpp"

namespace kizuna::mime {
namespace {

iconv_t handle(void* cd) noexcept { return static_cast<iconv_t>(cd); }
const auto invalid_cd = reinterpret_cast<void*>(static_cast<std::intptr_t>(-1));

bool in_list(std::string_view lower, std::initializer_list<std::string_view> names) noexcept {
  for (auto n : names)
    if (lower == n) return true;
  return false;
}

bool all_ascii(std::string_view s) noexcept {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// iconv name for a family (nullopt: use the label itself).
std::string_view iconv_name(charset_family f) noexcept {
  switch (f) {
    case charset_family::shift_jis: return "CP932";
    case charset_family::euc_jp: return "EUC-JP-MS";
    case charset_family::iso_8859_1: return "ISO-8859-1";
    case charset_family::utf8: return "UTF-8";
    case charset_family::us_ascii: return "US-ASCII";
    default: return "";
  }
}

// glibc's decoder for ISO-2022-JP streams with escapes our state machine does not know.
std::string_view glibc_iso2022jp_name(std::string_view label) noexcept {
  return label.ends_with("-3") ? "ISO-2022-JP-3" : "ISO-2022-JP-2";
}

std::expected<utf8_text, charset_error> lenient_to_utf8(std::string_view bytes, std::string_view from) {
  auto conv = iconv_converter::open("UTF-8", from);
  if (!conv) return std::unexpected(charset_error::unknown_charset);
  utf8_text r;
  const std::size_t cap = conversion_cap(bytes.size());
  if (!conv->convert_lenient(bytes, r.text, cap, r.lossy)) return std::unexpected(charset_error::too_large);
  return r;
}

std::expected<std::string, charset_error> strict_from_utf8(std::string_view utf8, std::string_view to) {
  auto conv = iconv_converter::open(to, "UTF-8");
  if (!conv) return std::unexpected(charset_error::unknown_charset);
  std::string out;
  const std::size_t cap = conversion_cap(utf8.size());
  const auto r = conv->convert(utf8, out, cap);
  switch (r.st) {
    case iconv_converter::status::ok: break;
    case iconv_converter::status::invalid: return std::unexpected(charset_error::unrepresentable);
    case iconv_converter::status::incomplete: return std::unexpected(charset_error::invalid_input);
    case iconv_converter::status::too_large: return std::unexpected(charset_error::too_large);
  }
  if (!conv->finish(out, cap)) return std::unexpected(charset_error::too_large);
  return out;
}

}  // namespace

std::string_view to_string(charset_error e) noexcept {
  switch (e) {
    case charset_error::unknown_charset: return "unknown charset";
    case charset_error::invalid_input: return "invalid input";
    case charset_error::unrepresentable: return "character not representable in the charset";
    case charset_error::too_large: return "conversion output too large";
  }
  return "charset error";
}

bool is_valid_charset_label(std::string_view label) noexcept {
  if (label.empty() || label.size() > 40) return false;
  for (char c : label) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == ':' || c == '+' || c == '-';
    if (!ok) return false;
  }
  return true;
}

charset_family classify_charset(std::string_view label) noexcept {
  label = detail::trim_wsp(label);
  if (label.size() > 40) return charset_family::other;
  std::string lower;
  for (char c : label) lower += detail::ascii_lower(c);
  if (in_list(lower, {"", "us-ascii", "ascii", "us", "ansi_x3.4-1968", "iso646-us", "csascii", "iso-ir-6", "cp367"}))
    return charset_family::us_ascii;
  if (in_list(lower, {"utf-8", "utf8", "unicode-1-1-utf-8"})) return charset_family::utf8;
  if (in_list(lower, {"iso-2022-jp", "csiso2022jp", "iso2022jp", "iso-2022-jp-1", "iso-2022-jp-2", "csiso2022jp2",
                      "iso-2022-jp-3", "cp50220", "cp50221", "cp50222"}))
    return charset_family::iso_2022_jp;
  if (in_list(lower, {"shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "csshiftjis", "windows-31j", "cp932",
                      "ms932", "x-ms-cp932"}))
    return charset_family::shift_jis;
  if (in_list(lower, {"euc-jp", "eucjp", "x-euc-jp", "cseucpkdfmtjapanese", "euc-jp-ms", "cp51932"}))
    return charset_family::euc_jp;
  if (in_list(lower, {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819", "csisolatin1",
                      "iso-ir-100", "iso_8859-1:1987"}))
    return charset_family::iso_8859_1;
  return charset_family::other;
}

// ---- iconv_converter ----

std::optional<iconv_converter> iconv_converter::open(std::string_view to, std::string_view from) {
  if (!is_valid_charset_label(to) || !is_valid_charset_label(from)) return std::nullopt;
  const std::string t(to), f(from);
  iconv_t cd = ::iconv_open(t.c_str(), f.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  return iconv_converter(cd);
}

iconv_converter::iconv_converter(iconv_converter&& other) noexcept : cd_(std::exchange(other.cd_, invalid_cd)) {}

iconv_converter& iconv_converter::operator=(iconv_converter&& other) noexcept {
  if (this != &other) {
    if (cd_ != invalid_cd) ::iconv_close(handle(cd_));
    cd_ = std::exchange(other.cd_, invalid_cd);
  }
  return *this;
}

iconv_converter::~iconv_converter() {
  if (cd_ != invalid_cd) ::iconv_close(handle(cd_));
}

iconv_converter::result iconv_converter::convert(std::string_view in, std::string& out, std::size_t max_out) {
  char buf[4096];
  char* inp = const_cast<char*>(in.data());  // iconv's signature; it does not write the input
  std::size_t inleft = in.size();
  for (;;) {
    char* o = buf;
    std::size_t oleft = sizeof buf;
    errno = 0;
    const std::size_t rc = ::iconv(handle(cd_), &inp, &inleft, &o, &oleft);
    const int err = errno;
    const std::size_t produced = sizeof buf - oleft;
    const std::size_t consumed = in.size() - inleft;
    if (out.size() + produced > max_out) return {status::too_large, consumed};
    out.append(buf, produced);
    if (rc != static_cast<std::size_t>(-1)) return {status::ok, consumed};
    if (err == E2BIG) continue;
    if (err == EINVAL) return {status::incomplete, consumed};
    return {status::invalid, consumed};
  }
}

bool iconv_converter::convert_lenient(std::string_view in, std::string& out, std::size_t max_out, bool& lossy) {
  while (!in.empty()) {
    const result r = convert(in, out, max_out);
    in.remove_prefix(r.consumed);
    if (r.st == status::ok) break;
    if (r.st == status::too_large || out.size() + replacement_character.size() > max_out) return false;
    out += replacement_character;
    lossy = true;
    if (r.st == status::incomplete) break;
    in.remove_prefix(1);  // skip the offending byte and go on
  }
  return finish(out, max_out);
}

bool iconv_converter::finish(std::string& out, std::size_t max_out) {
  char buf[64];
  char* o = buf;
  std::size_t oleft = sizeof buf;
  ::iconv(handle(cd_), nullptr, nullptr, &o, &oleft);
  const std::size_t produced = sizeof buf - oleft;
  if (out.size() + produced > max_out) return false;
  out.append(buf, produced);
  return true;
}

void iconv_converter::reset() noexcept { ::iconv(handle(cd_), nullptr, nullptr, nullptr, nullptr); }

// ---- UTF-8 ----

utf8_text sanitize_utf8(std::string_view s) {
  std::size_t good = utf8_valid_prefix(s);
  if (good == s.size()) return {std::string(s), false};
  utf8_text r;
  r.text.reserve(s.size() + 8);
  r.lossy = true;
  for (;;) {  // s[good] starts no well-formed sequence: one U+FFFD for its maximal subpart
    r.text.append(s.substr(0, good)).append(replacement_character);
    s.remove_prefix(good + utf8_maximal_subpart(s, good));
    good = utf8_valid_prefix(s);
    if (good == s.size()) break;
  }
  r.text.append(s);
  return r;
}

// ---- conversions ----

std::expected<utf8_text, charset_error> to_utf8(std::string_view bytes, std::string_view charset) {
  charset = detail::trim_wsp(charset);
  const charset_family family = classify_charset(charset);
  switch (family) {
    case charset_family::us_ascii:
      // Unlabelled Japanese mail is often raw ISO-2022-JP; with 8-bit bytes it is
      // nearly always UTF-8.
      if (bytes.find("\x1b$B") != std::string_view::npos || bytes.find("\x1b$@") != std::string_view::npos)
        return detail::decode_iso2022jp(bytes);
      return sanitize_utf8(bytes);
    case charset_family::utf8: return sanitize_utf8(bytes);
    case charset_family::iso_2022_jp:
      if (detail::is_plain_iso2022jp(bytes)) return detail::decode_iso2022jp(bytes);
      return lenient_to_utf8(bytes, glibc_iso2022jp_name(charset));
    case charset_family::shift_jis:
    case charset_family::euc_jp:
    case charset_family::iso_8859_1:
      if (all_ascii(bytes)) return utf8_text{std::string(bytes), false};
      return lenient_to_utf8(bytes, iconv_name(family));
    case charset_family::other: break;
  }
  return lenient_to_utf8(bytes, charset);
}

std::expected<std::string, charset_error> from_utf8(std::string_view utf8, std::string_view charset) {
  if (!is_valid_utf8(utf8)) return std::unexpected(charset_error::invalid_input);
  charset = detail::trim_wsp(charset);
  const charset_family family = classify_charset(charset);
  switch (family) {
    case charset_family::utf8: return std::string(utf8);
    case charset_family::us_ascii:
      if (!all_ascii(utf8)) return std::unexpected(charset_error::unrepresentable);
      return std::string(utf8);
    case charset_family::iso_2022_jp: {
      auto r = detail::encode_iso2022jp(utf8);
      if (!r && r.error() == charset_error::unrepresentable && (charset.ends_with("-2") || charset.ends_with("-3")))
        return strict_from_utf8(utf8, glibc_iso2022jp_name(charset));
      return r;
    }
    case charset_family::shift_jis:
    case charset_family::euc_jp:
    case charset_family::iso_8859_1:
      if (all_ascii(utf8)) return std::string(utf8);
      return strict_from_utf8(utf8, iconv_name(family));
    case charset_family::other: break;
  }
  return strict_from_utf8(utf8, charset);
}

}  // namespace kizuna::mime
