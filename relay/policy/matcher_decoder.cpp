#include "relay/policy/matcher_decoder.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <re2/re2.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "relay/policy/durations.hpp"

namespace kizuna::policy {
namespace {

using config::decoder;
using config::describe;
using config::fields;
using config::yaml_node;

constexpr std::array<std::string_view, 11> matcher_keys = {
    "optout", "exclusion", "field", "campaign.category", "campaign.id", "sent_within", "local_time_between",
    "consent_missing", "all", "any", "not"};
constexpr std::array<std::string_view, 4> field_operators = {"equals", "in", "exists", "matches"};
constexpr std::string_view field_prefix = "contact.";

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& names, std::string_view name) {
  return std::ranges::find(names, name) != names.end();
}

// "a, b or c"
template <std::size_t N>
std::string listed(const std::array<std::string_view, N>& names) {
  return fmt::format("{} or {}", fmt::join(names.begin(), names.end() - 1, ", "), names.back());
}

// describe(), telling an empty list apart: "[]" is the usual mistake here.
std::string described(const yaml_node& v) { return v.is_list() && v.items.empty() ? "an empty list" : describe(v); }

bool is_key(const yaml_node& key, std::string_view name) { return key.is_scalar() && key.text == name; }

// optout and consent_missing: `true` (the message's category) or a scope name.
bool true_or_scope(decoder& d, const yaml_node& v, const std::string& where, std::optional<std::string>& scope) {
  if (v.is_scalar() && v.plain) {
    if (v.text == "true" || v.text == "True" || v.text == "TRUE") return true;
    // `false` would read as "matcher off"; a rule without the matcher says that.
    if (v.text == "false" || v.text == "False" || v.text == "FALSE") {
      d.error(v, fmt::format("{}: expected true or a scope name, got false (remove the matcher instead)", where));
      return false;
    }
  }
  auto s = d.string(v, where);
  if (s) scope = std::move(*s);
  return s.has_value();
}

// campaign.category / campaign.id: one value or a non-empty list of values.
std::optional<std::vector<std::string>> one_or_more(decoder& d, const yaml_node& v, const std::string& where) {
  std::vector<std::string> values;
  if (v.is_scalar()) {
    auto s = d.string(v, where);
    if (!s) return std::nullopt;
    values.push_back(std::move(*s));
    return values;
  }
  if (!v.is_list() || v.items.empty()) {
    d.error(v, fmt::format("{}: expected a value or a non-empty list of values, got {}", where, described(v)));
    return std::nullopt;
  }
  bool ok = true;
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    auto s = d.string(v.items[i], fmt::format("{}[{}]", where, i));
    if (s)
      values.push_back(std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return values;
}

std::shared_ptr<const re2::RE2> compile(decoder& d, const yaml_node& v, const std::string& where) {
  auto pattern = d.string(v, where);
  if (!pattern) return nullptr;
  re2::RE2::Options options;
  options.set_log_errors(false);  // reported below, at the value
  options.set_max_mem(max_regex_memory);
  auto re = std::make_shared<const re2::RE2>(*pattern, options);
  if (!re->ok()) {
    d.error(v, fmt::format("{}: invalid regular expression: {}", where, re->error()));
    return nullptr;
  }
  return re;
}

std::optional<matcher> decode_field(decoder& d, fields& f, const fields::entry& field, const std::string& path) {
  field_match m;
  const auto where = f.path_of("field");
  bool ok = false;
  if (auto name = d.string(field.second, where)) {
    ok = name->starts_with(field_prefix) && name->size() > field_prefix.size();
    if (ok)
      m.field = name->substr(field_prefix.size());
    else
      d.error(field.second, fmt::format("{}: expected contact.<name>, got \"{}\"", where, *name));
  }

  const fields::entry* op = nullptr;
  for (const auto& e : f.node().entries) {
    if (!e.first.is_scalar() || !contains(field_operators, e.first.text)) continue;
    f.take_entry(e.first.text);
    if (!op) {
      op = &e;
    } else if (op->first.text != e.first.text) {  // the same key twice is reported by fields
      d.error(e.first, fmt::format("{}: field takes one operator, got \"{}\" and \"{}\"", path, op->first.text,
                                   e.first.text));
      ok = false;
    }
  }
  if (!op) {
    d.error(field.first, fmt::format("{}: field needs one operator: {}", path, listed(field_operators)));
    return std::nullopt;
  }

  const auto& [key, v] = *op;
  const auto op_where = f.path_of(key.text);
  if (key.text == "equals") {
    m.operation = field_match::op::equals;
    auto s = d.string(v, op_where, /*allow_empty=*/true);
    if (s) m.values.push_back(std::move(*s));
    ok = ok && s;
  } else if (key.text == "in") {
    m.operation = field_match::op::in;
    auto values = one_or_more(d, v, op_where);
    if (values) m.values = std::move(*values);
    ok = ok && values;
  } else if (key.text == "exists") {
    m.operation = field_match::op::exists;
    auto b = d.boolean(v, op_where);
    if (b) m.exists = *b;
    ok = ok && b;
  } else {
    m.operation = field_match::op::matches;
    m.regex = compile(d, v, op_where);
    ok = ok && m.regex;
  }
  if (!ok) return std::nullopt;
  return matcher{std::move(m)};
}

std::optional<matcher> decode_sent_within(decoder& d, const yaml_node& v, const std::string& where) {
  fields f(d, v, where);
  if (!f.valid()) return std::nullopt;
  sent_within_match m;
  bool ok = false;
  if (const auto* p = f.require("period")) {
    if (auto text = d.string(*p, f.path_of("period"))) {
      auto period = parse_period(*text);
      ok = period.has_value();
      if (period)
        m.period = *period;
      else
        d.error(*p, fmt::format("{}: {}", f.path_of("period"), period.error()));
    }
  }
  ok = f.number("at_least", m.at_least, 1, 100000) && ok;
  if (const auto* c = f.take("category")) {
    auto s = d.string(*c, f.path_of("category"));
    if (s) m.category = std::move(*s);
    ok = ok && s;
  }
  if (!ok) return std::nullopt;
  return matcher{std::move(m)};
}

std::optional<matcher> decode_local_time(decoder& d, const yaml_node& v, const std::string& where) {
  if (!v.is_list() || v.items.size() != 2) {
    d.error(v, fmt::format("{}: expected two times [\"HH:MM\", \"HH:MM\"] (from, to), got {}", where,
                           !v.is_list()          ? describe(v)
                           : v.items.size() == 1 ? std::string("one value")
                                                 : fmt::format("{} values", v.items.size())));
    return std::nullopt;
  }
  std::chrono::minutes times[2];
  bool ok = true;
  for (std::size_t i = 0; i < 2; ++i) {
    const auto item_where = fmt::format("{}[{}]", where, i);
    auto text = d.string(v.items[i], item_where);
    if (!text) {
      ok = false;
      continue;
    }
    auto t = parse_time_of_day(*text);
    if (t)
      times[i] = *t;
    else
      d.error(v.items[i], fmt::format("{}: {}", item_where, t.error()));
    ok = ok && t;
  }
  if (!ok) return std::nullopt;
  if (times[0] == times[1]) {
    d.error(v, fmt::format("{}: empty window: from and to are both \"{}\"", where, v.items[0].text));
    return std::nullopt;
  }
  return matcher{local_time_match{times[0], times[1]}};
}

std::optional<matcher> decode_combined(decoder& d, const yaml_node& key, const yaml_node& v,
                                       const std::string& where, int depth) {
  if (depth >= max_matcher_depth) {
    d.error(key, fmt::format("{}: matchers nested deeper than {} levels", where, max_matcher_depth));
    return std::nullopt;
  }
  if (key.text == "not") {
    auto inner = decode_matcher(d, v, where, depth + 1);
    if (!inner) return std::nullopt;
    return matcher{not_match{std::make_shared<const matcher>(std::move(*inner))}};
  }
  if (!v.is_list() || v.items.empty()) {
    d.error(v, fmt::format("{}: expected a non-empty list of matchers, got {}", where, described(v)));
    return std::nullopt;
  }
  matcher_list items;
  bool ok = true;
  for (std::size_t i = 0; i < v.items.size(); ++i) {
    auto item = decode_matcher(d, v.items[i], fmt::format("{}[{}]", where, i), depth + 1);
    if (item)
      items.push_back(std::move(*item));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  if (key.text == "all") return matcher{all_match{std::move(items)}};
  return matcher{any_match{std::move(items)}};
}

}  // namespace

std::optional<matcher> decode_matcher(decoder& d, const yaml_node& node, const std::string& path, int depth) {
  if (!node.is_mapping()) {
    d.error(node, fmt::format("{}: expected a matcher such as {{ exclusion: complaint }}, got {}", path,
                              describe(node)));
    return std::nullopt;
  }
  fields f(d, node, path);  // reports duplicate keys now and keys nobody took on return

  const fields::entry* found = nullptr;
  bool several = false;
  for (const auto& e : node.entries) {
    if (!e.first.is_scalar() || !contains(matcher_keys, e.first.text)) continue;
    f.take_entry(e.first.text);
    if (!found) {
      found = &e;
    } else if (found->first.text != e.first.text && !several) {
      d.error(e.first, fmt::format("{}: \"{}\" and \"{}\" in one matcher; combine matchers with all: [...] or "
                                   "any: [...]",
                                   path, found->first.text, e.first.text));
      several = true;
    }
  }
  if (!found) {
    if (node.entries.empty())
      d.error(node, fmt::format("{}: empty matcher; expected one of {}", path, listed(matcher_keys)));
    for (const auto& [key, value] : node.entries) {
      if (!key.is_scalar()) continue;  // reported by fields
      f.take_entry(key.text);
      if (contains(field_operators, key.text))
        d.error(key, fmt::format("{}: \"{}\" needs a `field: contact.<name>` beside it", path, key.text));
      else
        d.error(key, fmt::format("{}: unknown matcher \"{}\"; expected one of {}", path, key.text,
                                 listed(matcher_keys)));
    }
    return std::nullopt;
  }
  if (several) {
    for (const auto& [key, value] : node.entries)  // one error is enough for this mapping
      if (key.is_scalar()) f.take_entry(key.text);
    return std::nullopt;
  }

  const auto& [key, v] = *found;
  const auto where = f.path_of(key.text);
  if (is_key(key, "field")) return decode_field(d, f, *found, path);
  if (is_key(key, "optout") || is_key(key, "consent_missing")) {
    std::optional<std::string> scope;
    if (!true_or_scope(d, v, where, scope)) return std::nullopt;
    if (is_key(key, "optout")) return matcher{optout_match{std::move(scope)}};
    return matcher{consent_missing_match{std::move(scope)}};
  }
  if (is_key(key, "exclusion")) {
    auto name = d.string(v, where);
    if (!name) return std::nullopt;
    return matcher{exclusion_match{std::move(*name)}};
  }
  if (is_key(key, "campaign.category") || is_key(key, "campaign.id")) {
    auto values = one_or_more(d, v, where);
    if (!values) return std::nullopt;
    const auto part = is_key(key, "campaign.id") ? campaign_match::part::id : campaign_match::part::category;
    return matcher{campaign_match{part, std::move(*values)}};
  }
  if (is_key(key, "sent_within")) return decode_sent_within(d, v, where);
  if (is_key(key, "local_time_between")) return decode_local_time(d, v, where);
  return decode_combined(d, key, v, where, depth);
}

}  // namespace kizuna::policy
