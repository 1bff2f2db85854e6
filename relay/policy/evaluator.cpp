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
  d.reason = "rule " + rule_id + " depends on the campaign; decided after DATA";
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

namespace {

decision decide(const policy_set& policies, const inputs& in) {
  decision d;
  if (!in.data) {
    // Nothing was looked up, so the opt-out status is unknown: fail closed.
    d.action = action::defer;
    d.rule_id = builtin_optout_rule;
    d.reason = "recipient data missing";
    d.trace.push_back({builtin_optout_rule, tri::unknown, "recipient data missing"});
    return d;
  }
  match_context ctx{policies, in, *in.data, std::nullopt, in.explain};
  auto step = [&](const std::string& rule_id, const match_result& m) {
    d.trace.push_back({rule_id, m.result, in.explain ? one_line(m.detail, detail_cap) : std::string()});
  };

  // The built-in opt-out rule: always first, not configurable away.
  auto optout = match_optout(ctx, true);
  step(builtin_optout_rule, optout);
  if (optout.result == tri::yes) {
    d.action = policies.optout_action;
    d.rule_id = builtin_optout_rule;
    d.reason = std::move(optout.reason);
    return d;
  }
  if (optout.result == tri::unknown) return pending(d, builtin_optout_rule);

  for (const auto& r : policies.rules) {
    auto m = match(r.match, ctx);
    step(r.id, m);
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
      if (in.explain) d.reason = one_line(fmt::format("rule {}: {}", r.id, m.reason.empty() ? m.detail : m.reason));
      return d;
    }
  }
  d.reason = "no rule matched";
  return d;
}

}  // namespace

decision evaluate(const policy_set& policies, const inputs& in) {
  decision d = decide(policies, in);
  // Unexplained, a decision that is read (a reply, a hold, a drop) is made again
  // with its trace and reason; the same inputs give the same answer.
  if (!in.explain && d.final && d.action != action::relay) {
    inputs explained = in;
    explained.explain = true;
    return decide(policies, explained);
  }
  return d;
}

}  // namespace kizuna::policy
