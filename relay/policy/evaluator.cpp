#include "relay/policy/evaluator.hpp"

#include <fmt/format.h>

#include "relay/policy/matchers.hpp"

namespace kizuna::policy {
namespace {

// Details are built from policy text and short stored names; the cap keeps a
// deeply nested rule from bloating every audit record.
constexpr std::size_t detail_cap = 400;

decision& pending(decision& d, const std::string& rule_id) {
  d.final = false;
  d.rule_id = rule_id;
  d.reason = fmt::format("rule {} depends on the campaign; decided after DATA", rule_id);
  return d;
}

}  // namespace

const char* to_string(action a) {
  switch (a) {
    case action::relay:
      return "relay";
    case action::drop:
      return "drop";
    case action::reject:
      return "reject";
    case action::defer:
      return "defer";
    case action::hold:
      return "hold";
  }
  return "?";
}

decision evaluate(const policy_set& policies, const inputs& in) {
  decision d;
  if (!in.data) {
    // Nothing was looked up, so the opt-out status is unknown: fail closed.
    d.action = action::defer;
    d.rule_id = builtin_optout_rule;
    d.reason = "recipient data missing";
    d.trace.push_back({builtin_optout_rule, tri::unknown, "recipient data missing"});
    return d;
  }
  match_context ctx{policies, in, *in.data, std::nullopt};

  // The built-in opt-out rule: always first, not configurable away.
  auto optout = match_optout(ctx, true);
  d.trace.push_back({builtin_optout_rule, optout.result, one_line(optout.detail, detail_cap)});
  if (optout.result == tri::yes) {
    d.action = policies.optout_action;
    d.rule_id = builtin_optout_rule;
    d.reason = std::move(optout.reason);
    return d;
  }
  if (optout.result == tri::unknown) return pending(d, builtin_optout_rule);

  for (const auto& r : policies.rules) {
    auto m = match(r.match, ctx);
    d.trace.push_back({r.id, m.result, one_line(m.detail, detail_cap)});
    if (ctx.malformed) {
      d.action = action::defer;
      d.rule_id = r.id;
      d.reason = one_line(*ctx.malformed);
      return d;
    }
    if (m.result == tri::unknown) return pending(d, r.id);
    if (m.result == tri::yes) {
      d.action = r.action;
      d.rule_id = r.id;
      d.reason = one_line(fmt::format("rule {}: {}", r.id, m.reason.empty() ? m.detail : m.reason));
      return d;
    }
  }
  d.reason = "no rule matched";
  return d;
}

}  // namespace kizuna::policy
