#include "relay/policy/set_builder.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "relay/core/address.hpp"
#include "relay/core/utf8.hpp"
#include "relay/personalize/template.hpp"
#include "relay/policy/matcher_decoder.hpp"

namespace kizuna::policy {
namespace {

using config::decoder;
using config::fields;
using config::yaml_node;

constexpr std::string_view reserved_prefix = "builtin:";
constexpr std::string_view contact_prefix = "contact.";

// Ids appear in traces, audit records, X-Kizuna-Persona and `kizuna preview`
// output: one plain token of letters, digits, '.', '_', '-' and `also`.
bool is_plain_id(std::string_view id, std::string_view also) {
  return !id.empty() && std::ranges::all_of(id, [also](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-' || also.find(c) != std::string_view::npos;
  });
}

bool is_rule_id(std::string_view id) { return is_plain_id(id, ":"); }
bool is_persona_id(std::string_view id) { return is_plain_id(id, ""); }

// The system tzdata (date is built with USE_OS_TZDB), as the evaluator will use it.
bool is_time_zone(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::exception&) {  // "not found", or no tzdata at all: either way not usable
    return false;
  }
}

// Records `id` as defined at file:line; a second definition of it is an error
// that names the first. True when the id is new.
bool claim_id(decoder& d, const yaml_node& at, std::map<std::string, std::string, std::less<>>& defined,
              std::string_view kind, std::string_view where, const std::string& id, const std::string& file) {
  auto [it, inserted] = defined.try_emplace(id, fmt::format("{}:{}", file, at.line));
  if (!inserted)
    d.error(at, fmt::format("{}: duplicate {} id \"{}\" (first defined at {})", where, kind, id, it->second));
  return inserted;
}

// Whether `{{<prefix><name>}}` is one slot named exactly that: the template
// grammar (personalize/template.hpp) decides what a field name may be.
bool is_slot_name(std::string_view prefix, std::string_view name) {
  if (name.empty()) return false;
  const std::string full = std::string(prefix).append(name);
  auto compiled = personalize::compile("{{" + full + "}}", personalize::context::text);
  return compiled && compiled->slots().size() == 1 && compiled->slots()[0].name == full &&
         compiled->literal().empty();
}

// A control character (C0, DEL, C1) or a Unicode line/paragraph separator in
// valid UTF-8: the first one's code point, or 0 when there is none.
char32_t first_control(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return c;
    if (c == 0xc2 && i + 1 < s.size()) {
      const auto next = static_cast<unsigned char>(s[i + 1]);
      if (next >= 0x80 && next <= 0x9f) return next;  // U+0080..U+009F
    }
    if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80) {
      const auto last = static_cast<unsigned char>(s[i + 2]);
      if (last == 0xa8 || last == 0xa9) return 0x2000 + (last - 0x80);  // U+2028, U+2029
    }
  }
  return 0;
}

// A string that must be valid UTF-8 (the policy file is read as bytes).
std::optional<std::string> utf8_string(decoder& d, const yaml_node& v, const std::string& where,
                                       bool allow_empty = false) {
  auto s = d.string(v, where, allow_empty);
  if (s && !is_valid_utf8(*s)) {
    d.error(v, fmt::format("{}: not valid UTF-8 (save the policy file as UTF-8)", where));
    return std::nullopt;
  }
  return s;
}

std::optional<std::string> mail_address(decoder& d, const yaml_node& v, const std::string& where) {
  auto s = d.string(v, where);
  if (!s) return std::nullopt;
  auto normalized = normalize_address(*s);
  if (!normalized) {
    d.error(v, fmt::format("{}: invalid address \"{}\": {}", where, *s, normalized.error()));
    return std::nullopt;
  }
  return std::move(*normalized);
}

// A footer template: compiled now so a broken one fails the load, not a send.
void footer(decoder& d, fields& f, std::string_view key, personalize::context where, std::string& out) {
  const auto* v = f.take(key);
  if (!v) return;
  const auto path = f.path_of(key);
  auto text = utf8_string(d, *v, path);
  if (!text) return;
  auto compiled = personalize::compile(*text, where);
  if (!compiled) {
    d.error(*v, fmt::format("{}: {}", path, personalize::to_string(compiled.error())));
    return;
  }
  out = std::move(*text);
}

// Sets what the rules need fetched from Redis, and the longest frequency-cap window.
struct needs_walker {
  policy_set& set;

  void operator()(const field_match&) const { set.needs.contact = true; }
  void operator()(const local_time_match&) const { set.needs.contact = true; }  // the zone is a contact field
  void operator()(const exclusion_match&) const { set.needs.exclusion = true; }
  void operator()(const consent_missing_match&) const { set.needs.consent = true; }
  void operator()(const sent_within_match& m) const {
    set.needs.sent = true;
    set.longest_sent_period = std::max(set.longest_sent_period, m.period);
  }
  void operator()(const optout_match&) const {}  // opt-out data is always fetched
  void operator()(const campaign_match&) const {}
  void operator()(const all_match& m) const { walk(m.items); }
  void operator()(const any_match& m) const { walk(m.items); }
  void operator()(const not_match& m) const { std::visit(*this, m.item->kind); }

  void walk(const matcher_list& items) const {
    for (const auto& item : items) std::visit(*this, item.kind);
  }
};

}  // namespace

bool set_builder::claim(decoder& d, const yaml_node& key, std::string_view name, const std::string& file) {
  auto [it, inserted] = settings_.try_emplace(std::string(name), fmt::format("{}:{}", file, key.line));
  if (!inserted)
    d.error(key, fmt::format("{}: already set in {}; a setting may be set in one policy file only", name,
                             it->second));
  return inserted;
}

void set_builder::add_file(decoder& d, const yaml_node& root, const std::string& file) {
  if (root.is_null()) return;
  fields f(d, root, "");

  if (const auto* v = f.take("categories")) {
    fields c(d, *v, "categories");
    if (const auto* t = c.take("transactional")) {
      if (const auto* items = d.list(*t, "categories.transactional"))
        for (std::size_t i = 0; i < items->size(); ++i)
          if (auto name = d.string((*items)[i], fmt::format("categories.transactional[{}]", i)))
            set_.transactional_categories.insert(std::move(*name));
    }
    if (const auto* e = c.take_entry("default"); e && claim(d, e->first, "categories.default", file))
      c.string("default", set_.default_category);
  }

  if (const auto* v = f.take("optout")) {
    fields o(d, *v, "optout");
    if (const auto* e = o.take_entry("action"); e && claim(d, e->first, "optout.action", file))
      o.choice("action", set_.optout_action, {{"reject", action::reject}, {"drop", action::drop}});
  }

  if (const auto* v = f.take("timezone")) {
    fields t(d, *v, "timezone");
    if (const auto* e = t.take_entry("field"); e && claim(d, e->first, "timezone.field", file)) {
      if (auto name = d.string(e->second, "timezone.field")) {
        // `field: contact.x` elsewhere; accept the same spelling here.
        if (name->starts_with(contact_prefix)) name->erase(0, contact_prefix.size());
        if (name->empty())
          d.error(e->second, "timezone.field: expected a contact field name, got \"contact.\"");
        else
          set_.timezone_field = std::move(*name);
      }
    }
    if (const auto* e = t.take_entry("default"); e && claim(d, e->first, "timezone.default", file)) {
      if (auto zone = d.string(e->second, "timezone.default")) {
        if (is_time_zone(*zone))
          set_.default_timezone = std::move(*zone);
        else
          d.error(e->second, fmt::format("timezone.default: unknown time zone '{}' (expected an IANA name such "
                                         "as Asia/Tokyo)",
                                         *zone));
      }
    }
  }

  if (const auto* v = f.take("rules")) {
    if (const auto* items = d.list(*v, "rules"))
      for (std::size_t i = 0; i < items->size(); ++i) decode_rule(d, (*items)[i], fmt::format("rules[{}]", i), file);
  }

  if (const auto* e = f.take_entry("personas")) {
    if (!first_personas_) first_personas_ = position{file, e->first.line, e->first.column};
    if (const auto* items = d.list(e->second, "personas"))
      for (std::size_t i = 0; i < items->size(); ++i)
        decode_persona(d, (*items)[i], fmt::format("personas[{}]", i), file);
  }

  if (const auto* e = f.take_entry("persona_assignment"); e && claim(d, e->first, "persona_assignment", file))
    decode_persona_assignment(d, e->second, e->first, file);

  if (const auto* e = f.take_entry("merge"); e && claim(d, e->first, "merge", file)) decode_merge(d, e->second);
}

void set_builder::decode_persona(decoder& d, const yaml_node& node, const std::string& path, const std::string& file) {
  fields p(d, node, path);
  if (!p.valid()) return;
  persona out;
  bool ok = true;

  if (const auto* v = p.require("id")) {
    const auto where = p.path_of("id");
    auto id = d.string(*v, where);
    ok = id.has_value();
    if (id && !is_persona_id(*id)) {
      d.error(*v, fmt::format("{}: expected letters, digits, '.', '_' or '-', got \"{}\"", where, *id));
      ok = false;
    } else if (id) {
      ok = claim_id(d, *v, persona_ids_, "persona", where, *id, file);
      out.id = std::move(*id);
    }
  } else {
    ok = false;
  }

  if (const auto* v = p.require("display_name")) {
    const auto where = p.path_of("display_name");
    bool good = false;
    if (auto name = utf8_string(d, *v, where)) {
      if (const char32_t c = first_control(*name)) {
        d.error(*v, fmt::format("{}: must be one line without control characters, got U+{:04X}", where,
                                static_cast<std::uint32_t>(c)));
      } else {
        out.display_name = std::move(*name);
        good = true;
      }
    }
    ok = ok && good;
  } else {
    ok = false;
  }

  if (const auto* v = p.require("address")) {
    auto address = mail_address(d, *v, p.path_of("address"));
    if (address) out.address = std::move(*address);
    ok = ok && address;
  } else {
    ok = false;
  }

  if (const auto* v = p.take("reply_to")) {
    auto address = mail_address(d, *v, p.path_of("reply_to"));
    if (address) out.reply_to = std::move(*address);
    ok = ok && address;
  }

  if (const auto* v = p.take("fields")) {
    fields m(d, *v, p.path_of("fields"));
    ok = ok && m.valid();
    for (const auto& [key, value] : m.node().entries) {
      if (!key.is_scalar()) continue;  // reported by fields
      m.take_entry(key.text);
      const auto where = m.path_of(key.text);
      if (!is_slot_name("persona.fields.", key.text)) {
        d.error(key, fmt::format("{}: not a usable field name (letters, digits, '_', '-' and '.'; as in "
                                 "{{{{persona.fields.<name>}}}})",
                                 where));
        ok = false;
        continue;
      }
      auto text = utf8_string(d, value, where, /*allow_empty=*/true);
      if (text)
        out.fields.try_emplace(key.text, std::move(*text));
      else
        ok = false;
    }
  }

  if (ok) set_.personas.push_back(std::move(out));
}

void set_builder::decode_persona_assignment(decoder& d, const yaml_node& node, const yaml_node& key,
                                            const std::string& file) {
  fields a(d, node, "persona_assignment");
  if (!a.valid()) return;
  assignment_at_ = position{file, key.line, key.column};
  persona_assignment_settings out;

  if (const auto* v = a.take("from_field")) {
    const auto where = a.path_of("from_field");
    if (auto name = d.string(*v, where)) {
      if (name->starts_with(contact_prefix) && is_slot_name(contact_prefix, name->substr(contact_prefix.size())))
        out.from_field = name->substr(contact_prefix.size());
      else
        d.error(*v, fmt::format("{}: expected contact.<name>, got \"{}\"", where, *name));
    }
  }
  a.boolean("header", out.header);
  a.boolean("sticky", out.sticky);
  if (const auto* v = a.take("default")) {
    default_persona_at_ = position{file, v->line, v->column};  // present: an invalid value is its own error
    if (auto id = d.string(*v, a.path_of("default"))) out.default_persona = std::move(*id);
  }
  set_.persona_assignment = std::move(out);
}

void set_builder::decode_merge(decoder& d, const yaml_node& node) {
  fields m(d, node, "merge");
  m.choice("on_missing_field", set_.merge.on_missing_field,
           {{"hold", missing_field_action::hold},
            {"drop", missing_field_action::drop},
            {"defer", missing_field_action::defer},
            {"blank", missing_field_action::blank}});
  m.boolean("require_unsubscribe_link", set_.merge.require_unsubscribe_link);
  if (const auto* v = m.take("footer")) {
    fields f(d, *v, "merge.footer");
    footer(d, f, "text", personalize::context::text, set_.merge.footer_text);
    footer(d, f, "html", personalize::context::html, set_.merge.footer_html);
  }
}

config::diagnostics set_builder::cross_file_problems() const {
  config::diagnostics out;
  const auto& assignment = set_.persona_assignment;
  if (assignment && !assignment->default_persona.empty() && default_persona_at_ &&
      !persona_ids_.contains(assignment->default_persona)) {
    std::string known;
    for (const auto& [id, where] : persona_ids_) known += (known.empty() ? "" : ", ") + id;
    out.push_back({default_persona_at_->file, default_persona_at_->line, default_persona_at_->column,
                   fmt::format("persona_assignment.default: unknown persona \"{}\" ({})",
                               assignment->default_persona,
                               known.empty() ? "no personas are defined" : "defined: " + known)});
  }
  if (!persona_ids_.empty() && (!assignment || !default_persona_at_)) {
    const auto& at = assignment ? *assignment_at_ : *first_personas_;
    out.push_back({at.file, at.line, at.column,
                   assignment ? std::string("persona_assignment: missing required key \"default\" (the persona "
                                            "used when nothing else chooses one)")
                              : std::string("personas: persona_assignment.default is required when personas are "
                                            "defined (the persona used when nothing else chooses one)")});
  }
  return out;
}

void set_builder::decode_rule(decoder& d, const yaml_node& node, const std::string& path, const std::string& file) {
  fields r(d, node, path);
  if (!r.valid()) return;
  rule out;
  out.file = file;
  out.line = node.line;
  bool ok = true;

  if (const auto* v = r.require("id")) {
    const auto where = r.path_of("id");
    auto id = d.string(*v, where);
    ok = id.has_value();
    if (id && !is_rule_id(*id)) {
      d.error(*v, fmt::format("{}: expected letters, digits, '.', '_', ':' or '-', got \"{}\"", where, *id));
      ok = false;
    } else if (id && id->starts_with(reserved_prefix)) {
      d.error(*v, fmt::format("{}: ids starting with \"{}\" are reserved for kizuna's built-in rules, got \"{}\"",
                              where, reserved_prefix, *id));
      ok = false;
    } else if (id) {
      ok = claim_id(d, *v, rule_ids_, "rule", where, *id, file);
      out.id = std::move(*id);
    }
  } else {
    ok = false;
  }

  ok = r.string("description", out.description, /*allow_empty=*/true) && ok;

  if (const auto* v = r.require("match")) {
    auto m = decode_matcher(d, *v, r.path_of("match"));
    if (m) out.match = std::move(*m);
    ok = ok && m;
  } else {
    ok = false;
  }

  if (r.require("action"))
    ok = r.choice("action", out.action,
                  {{"relay", action::relay},
                   {"drop", action::drop},
                   {"reject", action::reject},
                   {"defer", action::defer},
                   {"hold", action::hold}}) &&
         ok;
  else
    ok = false;

  if (ok) set_.rules.push_back(std::move(out));
}

policy_set set_builder::finish() && {
  const needs_walker walker{set_};
  for (const auto& r : set_.rules) std::visit(walker, r.match.kind);
  // Merge fields may appear in any message, and personas may be chosen from a
  // contact field: the contact hash is always fetched, in the same round trip.
  set_.needs.contact = true;
  if (set_.persona_assignment && set_.persona_assignment->sticky) set_.needs.sticky_persona = true;
  return std::move(set_);
}

}  // namespace kizuna::policy
