#include "relay/personalize/message_template.hpp"

#include "relay/core/ascii.hpp"
#include "relay/core/utf8.hpp"
#include "relay/mime/charset.hpp"
#include "relay/mime/encoded_word.hpp"
#include "relay/mime/rewriter.hpp"
#include "relay/mime/text_part.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace kizuna::personalize {
namespace {

void add_names(std::vector<std::string>& into, const compiled_template& t) {
  for (const slot& s : t.slots())
    if (std::find(into.begin(), into.end(), s.name) == into.end()) into.push_back(s.name);
}

void add_missing(std::vector<std::string>& into, std::vector<std::string>& names) {
  for (std::string& n : names)
    if (std::find(into.begin(), into.end(), n) == into.end()) into.push_back(std::move(n));
}

std::string describe(const mime::part& p, mime::part_id id) {
  return fmt::format("part {} ({}/{})", id, p.type.type, p.type.subtype);
}

// Where an HTML footer goes: before the last </body> (ASCII case-insensitive), else at the end.
std::size_t html_footer_position(std::string_view html) {
  for (std::size_t at = html.size(); at-- > 0;) {
    if (html[at] != '<' || html.size() - at < 7 || html[at + 1] != '/') continue;
    if (istarts_with(html.substr(at + 2), "body")) return at;
  }
  return html.size();
}

void add_footer(std::string& text, bool html, std::string_view footer) {
  if (html) {
    text.insert(html_footer_position(text), footer);
    return;
  }
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  if (!text.empty()) text.push_back('\n');
  text.append(footer);
  if (!footer.empty() && footer.back() != '\n') text.push_back('\n');
}

}  // namespace

std::expected<message_template, std::string> compile_message(std::string message_bytes,
                                                             const compile_options& options) {
  message_template t(mime::message::parse(std::move(message_bytes)));
  const mime::message& m = t.message_;
  // Fields past the parser's max_fields are not known, so a copy could keep an
  // unseen To or Subject beside the ones set for the recipient: refused.
  if (m.root().defects & mime::defect::too_many_fields)
    return std::unexpected("header: more fields than the parser keeps (" +
                           std::to_string(mime::parse_limits{}.max_fields) + ")");

  if (const mime::header_field* subject = m.root().field("Subject")) {
    const std::string decoded = mime::decode_header_value(subject->value);
    auto c = compile(decoded, context::header);
    if (!c) return std::unexpected("Subject: " + to_string(c.error()));
    if (c->has_slots()) {
      add_names(t.field_names_, *c);
      t.subject_ = std::move(*c);
    }
  }

  bool text_footer_done = options.footer_text.empty();
  bool html_footer_done = options.footer_html.empty();
  for (const mime::part_id id : mime::personalizable_parts(m)) {
    const mime::part& p = m.at(id);
    const bool html = p.type.subtype == "html";
    bool& footer_done = html ? html_footer_done : text_footer_done;
    const part_cache::key key{m.slice(p.body), p.encoding, p.type.param("charset"), html,
                              footer_done ? std::string_view() : html ? options.footer_html : options.footer_text};
    std::shared_ptr<const compiled_template> c = options.cache ? options.cache->find(key) : nullptr;
    if (!c) {
      auto text = mime::read_text(m, id);
      if (!text) {
        // Unreadable: leave it as it is, unless it visibly holds merge fields.
        if (key.raw.find("{{") != std::string_view::npos)
          return std::unexpected(describe(p, id) + ": cannot be personalized (" +
                                 std::string(mime::to_string(text.error())) + ")");
        continue;
      }
      if (text->lossy) {
        // Bytes its charset does not explain (e.g. unlabelled Shift_JIS): rewriting
        // the part would replace them with U+FFFD, so it stays byte for byte.
        if (text->utf8.find("{{") != std::string::npos)
          return std::unexpected(describe(p, id) + ": cannot be personalized (bytes not valid in its charset)");
        continue;
      }
      if (!key.footer.empty()) add_footer(text->utf8, html, key.footer);
      auto compiled = compile(text->utf8, html ? context::html : context::text);
      if (!compiled) return std::unexpected(describe(p, id) + ": " + to_string(compiled.error()));
      c = std::make_shared<const compiled_template>(std::move(*compiled));
      if (options.cache) options.cache->put(key, c);
    }
    footer_done = true;  // the first readable part of its kind takes the footer
    if (!c->has_slots()) continue;
    add_names(t.field_names_, *c);
    for (const slot& s : c->slots())
      if (s.scope == field_scope::unsubscribe_url) t.shows_unsubscribe_url_ = true;
    t.parts_.push_back({id, std::move(c)});
  }
  return t;
}

std::vector<std::string> missing_fields(const message_template& t, const value_source& values) {
  std::vector<std::string> missing;
  if (t.subject()) add_missing(*t.subject(), values, missing);
  for (const message_template::compiled_part& cp : t.parts()) add_missing(*cp.text, values, missing);
  return missing;
}

rendered_copy render_copy(const message_template& t, const value_source& values, const copy_headers& headers) {
  rendered_copy copy;
  const mime::message& m = t.message();
  const std::string_view nl = m.newline();
  mime::rewriter rw(m);

  auto refuse_unless = [&](bool ok, std::string_view name) {
    if (!ok) copy.refused_headers.emplace_back(name);
  };

  if (headers.strip_control) rw.remove_headers_with_prefix(0, "X-Kizuna-");
  for (const std::string& name : headers.remove) rw.remove_header(0, name);

  if (t.subject()) {
    render_result r = render(*t.subject(), values);
    add_missing(copy.missing, r.missing);
    if (!r.utf8 && !is_valid_utf8(r.out)) r.out = mime::sanitize_utf8(r.out).text;
    refuse_unless(rw.set_header_text(0, "Subject", r.out), "Subject");
  }

  for (const message_template::compiled_part& cp : t.parts()) {
    render_result r = render(*cp.text, values);
    add_missing(copy.missing, r.missing);
    auto enc = mime::encode_text(m, cp.id, r.out, {.keep_8bit = true, .known_utf8 = r.utf8});
    if (!enc && enc.error() == mime::text_error::invalid_utf8)  // a value that is not UTF-8
      enc = mime::encode_text(m, cp.id, mime::sanitize_utf8(r.out).text);
    if (!enc) {
      if (copy.error.empty())
        copy.error = describe(m.at(cp.id), cp.id) + ": " + std::string(mime::to_string(enc.error()));
      continue;
    }
    if (enc->charset_fallback) copy.reencoded_utf8 = true;
    rw.apply(cp.id, std::move(*enc));
  }

  refuse_unless(rw.set_header(0, "To", mime::format_mailbox({}, headers.to, 2, nl)), "To");
  refuse_unless(rw.set_header(0, "Message-ID", headers.message_id), "Message-ID");
  if (headers.from_address)
    refuse_unless(rw.set_header(0, "From",
                                mime::format_mailbox(headers.from_display.value_or(std::string()),
                                                     *headers.from_address, 4, nl)),
                  "From");
  if (headers.reply_to)
    refuse_unless(rw.set_header(0, "Reply-To", mime::format_mailbox({}, *headers.reply_to, 8, nl)), "Reply-To");
  for (const auto& [name, value] : headers.set) refuse_unless(rw.set_header(0, name, value), name);
  for (const auto& [name, value] : headers.add) refuse_unless(rw.add_header(0, name, value), name);

  copy.bytes.reserve(m.bytes().size() + 1024);
  rw.render_to(copy.bytes);
  // A re-encoded last part (base64, or quoted-printable ending in a soft line
  // break) has no line end after its last line; a message does (RFC 5321
  // §4.1.1.4: the end of data is CRLF "." CRLF), and a signature's body hash
  // must cover what is sent.
  if (!copy.bytes.empty() && copy.bytes.back() != '\n') copy.bytes += nl;
  return copy;
}

}  // namespace kizuna::personalize
