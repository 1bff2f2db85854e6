// The evaluator's answer for one recipient, with the trace that `kizuna
// preview` prints and the audit log summarizes (rule id, never merge values).
#pragma once

#include <string>
#include <vector>

#include "relay/policy/model.hpp"

namespace kizuna::policy {

// Three-valued matching: at RCPT time the campaign is not known yet, so a
// matcher that depends on it answers `unknown` and the decision waits for DATA.
enum class tri { no, yes, unknown };

struct trace_step {
  std::string rule_id;
  tri result = tri::no;
  std::string detail;  // why, in a few words ("exclusion complaint until 1767225600")
};

struct decision {
  bool final = true;        // false: an earlier rule needs the campaign; decide after DATA
  policy::action action = action::relay;
  std::string rule_id;      // the deciding rule ("" when no rule matched: default relay)
  std::string reason;       // one line, for the reply text and the audit record
  std::vector<trace_step> trace;
};

const char* to_string(action a);

}  // namespace kizuna::policy
