// policy::evaluate: a pure function over plain data (DESIGN.md). No Redis, no
// sockets, no clock: `now` comes in the inputs. First match wins; the built-in
// opt-out rule comes before every policy rule and cannot be disabled, except
// for categories a policy declares transactional. Malformed stored values
// (e.g. an exclusion's `until` that is not a number) decide `defer`: fail closed.
#pragma once

#include "relay/policy/decision.hpp"
#include "relay/policy/inputs.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

decision evaluate(const policy_set& policies, const inputs& in);

}  // namespace kizuna::policy
