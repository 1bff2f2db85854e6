#include "relay/policy/matchers.hpp"

#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <variant>

#include "relay/policy/local_time.hpp"

namespace kizuna::policy {
namespace {

const std::string all_scopes = "*";

using hash = std::map<std::string, std::string>;

bool has(const hash& h, const std::string& key) { return h.find(key) != h.end(); }

bool listed(const std::vector<std::string>& values, std::string_view v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// Scope names, categories and campaign ids come from Redis or client headers:
// short and printable in a trace.
std::string shown(std::string_view text) { return one_line(text, 64); }

// "7d", "12h", "30m", "90s": the period as a policy would write it.
std::string span(std::chrono::seconds period) {
  const auto n = period.count();
  if (n != 0 && n % 86400 == 0) return fmt::format("{}d", n / 86400);
  if (n != 0 && n % 3600 == 0) return fmt::format("{}h", n / 3600);
  if (n != 0 && n % 60 == 0) return fmt::format("{}m", n / 60);
  return fmt::format("{}s", n);
}

// --- opt-out ------------------------------------------------------------------

struct optout_hit {
  const std::string& scope;
  const std::string& value;  // "at|source|reason"
  bool domain;
};

// The address's own entry first, then its domain's.
std::optional<optout_hit> find_optout(const recipient_data& d, const std::string& scope) {
  if (auto it = d.optout.find(scope); it != d.optout.end()) return optout_hit{it->first, it->second, false};
  if (auto it = d.optout_domain.find(scope); it != d.optout_domain.end())
    return optout_hit{it->first, it->second, true};
  return std::nullopt;
}

// Only `at` and `source` reach the reply: the free-text reason stays in Redis.
match_result optout_yes(const match_context& ctx, const optout_hit& hit) {
  if (!ctx.explain) return {tri::yes, {}, {}};
  std::string_view value = hit.value;
  const auto bar = value.find('|');
  std::string_view at = value.substr(0, bar);
  std::string_view source = bar == std::string_view::npos ? std::string_view{} : value.substr(bar + 1);
  source = source.substr(0, source.find('|'));
  const char* who = hit.domain ? "domain" : "address";
  return {tri::yes, fmt::format("{} opted out, scope {}", who, shown(hit.scope)),
          one_line(fmt::format("{}opted out (scope {}, since {}, source {})", hit.domain ? "domain " : "",
                               shown(hit.scope), at.empty() ? "?" : shown(at), source.empty() ? "?" : shown(source)))};
}

// --- one function per matcher kind -------------------------------------------

struct visitor {
  match_context& ctx;

  match_result operator()(const optout_match& m) const {
    if (!m.scope) return match_optout(ctx, false);
    if (auto hit = find_optout(ctx.data, *m.scope)) return optout_yes(ctx, *hit);
    return {tri::no, explained(ctx, [&] { return fmt::format("no opt-out for scope {}", shown(*m.scope)); })};
  }

  match_result operator()(const exclusion_match& m) const {
    auto it = ctx.data.exclusion.find(m.name);
    if (it == ctx.data.exclusion.end())
      return {tri::no, explained(ctx, [&] { return fmt::format("exclusion {} absent", m.name); })};
    std::string_view value = it->second;
    std::string_view until = value.substr(0, value.find('|'));
    if (until == "-") return {tri::yes, explained(ctx, [&] { return fmt::format("exclusion {} until -", m.name); })};
    std::int64_t seconds = 0;
    const auto [end, ec] = std::from_chars(until.data(), until.data() + until.size(), seconds);
    if (until.empty() || ec != std::errc{} || end != until.data() + until.size()) {
      if (!ctx.malformed) ctx.malformed = "malformed exclusion value";
      return {tri::unknown, explained(ctx, [&] { return fmt::format("exclusion {} malformed", m.name); })};
    }
    // Compared in whole seconds: `until` may be far beyond what nanoseconds hold.
    const auto now = std::chrono::floor<std::chrono::seconds>(ctx.in.now).time_since_epoch().count();
    const bool active = seconds > now;
    return {active ? tri::yes : tri::no, explained(ctx, [&] {
              return fmt::format("exclusion {} {} {}", m.name, active ? "until" : "expired", seconds);
            })};
  }

  match_result operator()(const field_match& m) const {
    const auto label = [&](const char* what) { return explained(ctx, [&] { return "contact." + m.field + what; }); };
    auto it = ctx.data.contact.find(m.field);
    const bool found = it != ctx.data.contact.end();
    switch (m.operation) {
      case field_match::op::exists: {
        const bool present = found && !it->second.empty();
        return {present == m.exists ? tri::yes : tri::no, label(present ? " present" : " absent")};
      }
      case field_match::op::matches:
        if (!m.regex) {
          if (!ctx.malformed) ctx.malformed = "malformed rule (no compiled regex)";
          return {tri::unknown, label(" matches")};
        }
        if (!found) return {tri::no, label(" missing")};
        return {RE2::PartialMatch(it->second, *m.regex) ? tri::yes : tri::no, label(" matches")};
      case field_match::op::equals:
      case field_match::op::in:
        break;
    }
    if (!found) return {tri::no, label(" missing")};
    return {listed(m.values, it->second) ? tri::yes : tri::no,
            label(m.operation == field_match::op::equals ? " equals" : " in")};
  }

  match_result operator()(const campaign_match& m) const {
    const bool by_id = m.which == campaign_match::part::id;
    const char* label = by_id ? "campaign.id" : "campaign.category";
    const auto& c = ctx.in.campaign;
    if (!c.known || (by_id && !c.id_known))
      return {tri::unknown, explained(ctx, [&] { return fmt::format("{} not known before DATA", label); })};
    if (by_id) {
      if (!c.id) return {tri::no, explained(ctx, [] { return "campaign.id none"; })};
      return {listed(m.values, *c.id) ? tri::yes : tri::no,
              explained(ctx, [&] { return fmt::format("campaign.id {}", shown(*c.id)); })};
    }
    return {listed(m.values, c.category) ? tri::yes : tri::no, explained(ctx, [&] {
              return fmt::format("campaign.category {}", c.category.empty() ? "none" : shown(c.category));
            })};
  }

  match_result operator()(const sent_within_match& m) const {
    const auto since = ctx.in.now - m.period;
    unsigned count = 0;
    for (const auto& s : ctx.data.sent) {
      if (s.at > since && (!m.category || s.category == *m.category)) ++count;
    }
    return {count >= m.at_least ? tri::yes : tri::no, explained(ctx, [&] {
              return fmt::format("sent {}{} within {} (at least {})", count, m.category ? " " + *m.category : "",
                                 span(m.period), m.at_least);
            })};
  }

  match_result operator()(const local_time_match& m) const {
    const auto& p = ctx.policies;
    auto it = ctx.data.contact.find(p.timezone_field);
    const std::string_view zone = it == ctx.data.contact.end() ? std::string_view{} : std::string_view{it->second};
    const auto reading = local_minute_of_day(zone, p.default_timezone, ctx.in.now);
    const auto hhmm = [](std::chrono::minutes t) { return fmt::format("{:02}:{:02}", t.count() / 60, t.count() % 60); };
    const auto window = [&] { return fmt::format("[{}, {})", hhmm(m.from), hhmm(m.to)); };
    if (!reading) {
      if (!ctx.malformed) ctx.malformed = fmt::format("unknown time zone {}", shown(p.default_timezone));
      return {tri::unknown, explained(ctx, [&] { return "local time in " + window() + ": no known time zone"; })};
    }
    const auto now = reading->minute_of_day;
    // from == to is an empty window; from > to crosses midnight.
    const bool inside = m.from < m.to ? (m.from <= now && now < m.to) : m.from > m.to && (now >= m.from || now < m.to);
    return {inside ? tri::yes : tri::no, explained(ctx, [&] {
              const std::string source =
                  reading->contact_zone ? "zone from contact." + p.timezone_field
                                        : fmt::format("default zone {}, contact.{} {}", p.default_timezone,
                                                      p.timezone_field, zone.empty() ? "missing" : "not a known zone");
              return fmt::format("local {} in {} ({})", hhmm(now), window(), source);
            })};
  }

  match_result operator()(const consent_missing_match& m) const {
    const auto& consent = ctx.data.consent;
    if (m.scope) {
      const bool present = has(consent, *m.scope);
      return {present ? tri::no : tri::yes, explained(ctx, [&] {
                return fmt::format("consent {} {}", shown(*m.scope), present ? "present" : "missing");
              })};
    }
    const auto& c = ctx.in.campaign;
    if (!c.known)
      return {tri::unknown, explained(ctx, [] { return "consent for the campaign category: not known before DATA"; })};
    const bool present = has(consent, all_scopes) || (!c.category.empty() && has(consent, c.category));
    return {present ? tri::no : tri::yes, explained(ctx, [&] {
              return fmt::format("consent for * or {} {}", c.category.empty() ? "(no category)" : shown(c.category),
                                 present ? "present" : "missing");
            })};
  }

  match_result operator()(const all_match& m) const { return combine("all", m.items, true); }
  match_result operator()(const any_match& m) const { return combine("any", m.items, false); }

  match_result operator()(const not_match& m) const {
    if (!m.item) {
      if (!ctx.malformed) ctx.malformed = "malformed rule (empty not)";
      return {tri::unknown, "not[]"};
    }
    auto inner = match(*m.item, ctx);
    const tri flipped = inner.result == tri::yes ? tri::no : inner.result == tri::no ? tri::yes : tri::unknown;
    return {flipped, explained(ctx, [&] { return fmt::format("not[{}: {}]", inner.detail, to_string(inner.result)); })};
  }

  // Every child is evaluated (no short cut) so the trace is complete and a
  // malformed value defers whatever its position.
  match_result combine(const char* name, const matcher_list& items, bool all) const {
    bool saw_yes = false, saw_no = false, saw_unknown = false;
    std::string detail;
    if (ctx.explain) detail = std::string(name) + "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
      auto r = match(items[i], ctx);
      saw_yes |= r.result == tri::yes;
      saw_no |= r.result == tri::no;
      saw_unknown |= r.result == tri::unknown;
      if (ctx.explain)
        fmt::format_to(std::back_inserter(detail), "{}{}: {}", i ? ", " : "", r.detail, to_string(r.result));
    }
    if (ctx.explain) detail += ']';
    tri result;
    if (all) {
      result = saw_no ? tri::no : saw_unknown ? tri::unknown : tri::yes;
    } else {
      result = saw_yes ? tri::yes : saw_unknown ? tri::unknown : tri::no;
    }
    return {result, std::move(detail)};
  }
};

}  // namespace

match_result match_optout(const match_context& ctx, bool exempt_transactional) {
  const auto& d = ctx.data;
  const auto& c = ctx.in.campaign;
  const auto& transactional = ctx.policies.transactional_categories;
  if (c.known) {
    if (exempt_transactional && transactional.contains(c.category))
      return {tri::no, explained(ctx, [&] { return fmt::format("category {} is transactional", shown(c.category)); })};
    if (auto hit = find_optout(d, all_scopes)) return optout_yes(ctx, *hit);
    if (!c.category.empty()) {
      if (auto hit = find_optout(d, c.category)) return optout_yes(ctx, *hit);
      return {tri::no, explained(ctx, [&] { return fmt::format("no opt-out for * or {}", shown(c.category)); })};
    }
    return {tri::no, "no opt-out for *"};
  }
  // RCPT time: the category is not known yet.
  const bool any_scope = !d.optout.empty() || !d.optout_domain.empty();
  if (exempt_transactional && !transactional.empty()) {
    // Even "*" may not apply: the message may turn out transactional.
    if (any_scope) return {tri::unknown, "opted out of some scope; the category decides after DATA"};
    return {tri::no, "no opt-out"};
  }
  if (auto hit = find_optout(d, all_scopes)) return optout_yes(ctx, *hit);
  if (any_scope) return {tri::unknown, "opted out of some categories; the category decides after DATA"};
  return {tri::no, "no opt-out"};
}

match_result match(const matcher& m, match_context& ctx) { return std::visit(visitor{ctx}, m.kind); }

const char* to_string(tri t) {
  switch (t) {
    case tri::yes:
      return "yes";
    case tri::no:
      return "no";
    case tri::unknown:
      return "unknown";
  }
  return "?";
}

std::string one_line(std::string_view text, std::size_t cap) {
  const bool cut = text.size() > cap;
  if (cut) {
    std::size_t n = cap >= 3 ? cap - 3 : 0;
    // text[n] is the first byte dropped; if it continues a sequence, drop its lead too.
    while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
    text = text.substr(0, n);
  }
  std::string out;
  out.reserve(text.size() + 3);
  for (char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    out += (u < 0x20 || u == 0x7f) ? ' ' : ch;
  }
  if (cut) out += "...";
  return out;
}

}  // namespace kizuna::policy
