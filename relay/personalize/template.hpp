// Merge-field templates (SPEC §7, DESIGN "compile once, render many"):
// compile() parses a decoded MIME part or header value once into literal
// bytes + slots; render.hpp fills the slots for each recipient without
// re-parsing. Pure: no I/O, no Asio, no std::regex.
//
// Syntax. A slot is `{{ name [| filter]... }}`; whitespace around the parts is
// tolerated (line breaks included).
//   name     letters and digits (ASCII or any UTF-8 letter/digit, approximated
//            as a non-ASCII code point outside the space, punctuation, symbol,
//            emoji and private-use blocks), '_', '-' and '.'; dot-separated
//            segments, none empty; case-sensitive; at most max_name_bytes.
//            `contact.X` is contact field X; a bare `X` means `contact.X`;
//            `persona.display_name|id|address|reply_to` and
//            `persona.fields.X` are the persona's; `unsubscribe_url` is the
//            recipient's unsubscribe link. `{{資料名}}` == `{{contact.資料名}}`.
//   filters  applied left to right:
//            `default: "text"`  the value when the field is missing or empty;
//                               double-quoted, \" and \\ are the only escapes,
//                               at most max_default_bytes after unescaping.
//            `company`          normalize_company() (company.hpp).
// Text that does not start a slot stays literal: a `{{` not followed by a
// name (`{{ }}`, `{{{`, `{{#x}}`), or a name followed by neither `|` nor `}}`
// (`{{ not closed`, `{{ a b }}`); `{{{x}}}` is "{" + slot + "}". A name
// followed by `|` or `}}` commits the slot: from there any fault is a
// compile_error with its byte offset (unknown filter, unterminated string,
// missing `}}`, unknown persona attribute, empty name segment, a limit from
// limits.hpp). Literal bytes are copied as they are (no UTF-8 check).
//
// Escaping (escape.hpp) is decided per slot at compile time from `context`:
// text → escaping::text, header → escaping::header, html → a small HTML
// tokenizer finds where the slot falls:
//   text content, <title>, <textarea>            html_text
//   attribute value (quoted or not)              html_attribute
//   value of a URL-bearing attribute, on any element: href src action
//   formaction cite poster background xlink:href xml:base data codebase
//   classid archive longdesc usemap lowsrc dynsrc ping manifest profile icon
//   srcset imagesrcset; <meta content> (a refresh's "0;url=..."; so any meta
//   content, description too, takes a URL); to= from= by= of the SVG
//   animation elements (animate set animateMotion animateTransform
//   animateColor: they can set an href):
//     the slot starts the value (only whitespace before it)  url
//     anywhere after                                           url_component
//   (url escaping %-encodes whitespace, so a slot starting a srcset or ping
//   value stays one URL and cannot start a second candidate; url_component
//   also encodes ':' and ',', so a later slot cannot bring a scheme)
//   values= of an SVG animation element (';'-separated)       url_component
//   an unquoted attribute value holding a slot is rewritten with double
//     quotes (`<a title={{x}}>` compiles to `<a title="{{x}}">`), so an empty
//     or spaced value cannot shift the following attributes
//   <script> <style> <xmp> <iframe> <noembed> <noframes> <plaintext>, an
//     HTML comment, <!DOCTYPE>/<![CDATA[>/<?...>, a tag name, an attribute
//     name, an on* event handler, style= or srcdoc=        compile_error
// Outlook conditional comments (`<!--[if mso]> ... <![endif]-->`) are parsed
// as markup: no escaping mode ever emits a raw '>', so a value cannot end the
// comment early for other clients either.
#pragma once

#include "relay/personalize/escape.hpp"

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kizuna::personalize {

enum class context : std::uint8_t { text, html, header };

enum class field_scope : std::uint8_t { contact, persona, unsubscribe_url };

struct filter {
  enum class kind : std::uint8_t { default_value, company };
  kind what = kind::company;
  std::string text;  // default_value: the unescaped default text
};

struct slot {
  std::size_t at = 0;             // where the value goes in compiled_template::literal()
  std::size_t source_offset = 0;  // byte offset of the slot's "{{" in the template
  std::string name;               // full name: "contact.会社名", "persona.fields.title", "unsubscribe_url"
  field_scope scope = field_scope::contact;
  escaping esc = escaping::text;
  std::vector<filter> filters;

  // The name without its scope prefix: "会社名", "fields.title", "unsubscribe_url".
  std::string_view key() const noexcept;
};

struct compile_error {
  std::size_t offset = 0;  // byte offset in the template
  std::size_t line = 1;    // 1-based; lines end at LF
  std::size_t column = 1;  // 1-based, in bytes
  std::string message;
};

// "line 3, column 14 (byte 52): unknown filter 'upper' (known: default, company)"
std::string to_string(const compile_error& e);

class compiled_template {
 public:
  compiled_template() = default;

  context where() const noexcept { return context_; }
  // Every literal byte of the output, slots excluded; slot::at indexes it.
  const std::string& literal() const noexcept { return literal_; }
  std::span<const slot> slots() const noexcept { return slots_; }
  bool has_slots() const noexcept { return !slots_.empty(); }
  // The literal is well-formed UTF-8 (checked once, at compile): a render that
  // adds only well-formed values needs no scan of its output.
  bool literal_utf8() const noexcept { return literal_utf8_; }
  // Distinct slot names in order of first appearance (what to fetch).
  std::vector<std::string> field_names() const;

 private:
  friend std::expected<compiled_template, compile_error> compile(std::string_view, context);
  context context_ = context::text;
  std::string literal_;
  std::vector<slot> slots_;
  bool literal_utf8_ = false;
};

std::expected<compiled_template, compile_error> compile(std::string_view utf8, context where);

}  // namespace kizuna::personalize
