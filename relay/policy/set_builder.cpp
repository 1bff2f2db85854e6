#include "relay/policy/set_builder.hpp"

#include <date/tz.h>
#include <fmt/format.h>

#include <algorithm>
#include <exception>
#include <utility>
#include <variant>

#include "relay/policy/matcher_decoder.hpp"

namespace kizuna::policy {
namespace {

using config::decoder;
using config::fields;
using config::yaml_node;

constexpr std::string_view reserved_prefix = "builtin:";
constexpr std::string_view contact_prefix = "contact.";

// Ids appear in traces, audit records and `kizuna preview` output: keep them to one plain token.
bool is_rule_id(std::string_view id) {
  return !id.empty() && std::ranges::all_of(id, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

// The system tzdata (date is built with USE_OS_TZDB), as the evaluator will use it.
bool is_time_zone(const std::string& name) {
  try {
    date::locate_zone(name);
    return true;
  } catch (const std::exception&) {  // "not found", or no tzdata at all: either way not usable
    return false;
  }
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

  for (std::string_view key : {"personas", "persona_assignment", "merge"})
    if (const auto* e = f.take_entry(key))
      d.error(e->first, fmt::format("{}: not supported by this version of kizuna", key));
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
      auto [it, inserted] = rule_ids_.try_emplace(*id, fmt::format("{}:{}", file, v->line));
      if (!inserted)
        d.error(*v, fmt::format("{}: duplicate rule id \"{}\" (first defined at {})", where, *id, it->second));
      ok = inserted;
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
  return std::move(set_);
}

}  // namespace kizuna::policy
