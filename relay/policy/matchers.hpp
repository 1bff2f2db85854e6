// Matcher evaluation for policy::evaluate (internal to relay/policy). Each
// matcher answers yes / no / unknown (unknown: depends on the campaign, not read
// before DATA) with a short detail for the trace. Details name contact fields,
// never their values: traces reach the audit log and `kizuna preview` output.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "relay/policy/decision.hpp"
#include "relay/policy/inputs.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

struct match_context {
  const policy_set& policies;
  const inputs& in;
  const recipient_data& data;
  // Set by the first malformed stored value or rule met: the decision defers.
  std::optional<std::string> malformed;
  bool explain = true;  // build details (and reasons); false: leave them empty
};

// A detail or reason, built only when explaining: formatting one for every
// matcher of every recipient cost more than the matching itself.
template <class Build>
std::string explained(const match_context& ctx, Build build) {
  return ctx.explain ? std::string(build()) : std::string();
}

struct match_result {
  tri result = tri::no;
  std::string detail;
  std::string reason;  // optout only: "opted out (scope *, since ..., source ...)"
};

// The opt-out check shared by the built-in rule (exempt_transactional = true)
// and `optout: true` (false: a rule that names opt-out means it for every category).
match_result match_optout(const match_context& ctx, bool exempt_transactional);

// Any matcher. Composites evaluate every child, so a malformed value anywhere in
// the rule defers regardless of the children's order.
match_result match(const matcher& m, match_context& ctx);

const char* to_string(tri t);

// `text` as one line for replies and audit records: control bytes become spaces,
// at most `cap` bytes, never cutting a UTF-8 sequence ("..." marks a cut).
std::string one_line(std::string_view text, std::size_t cap = 200);

}  // namespace kizuna::policy
