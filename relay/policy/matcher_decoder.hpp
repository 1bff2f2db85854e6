// Decodes a rule's `match:` value into a policy::matcher, following the format
// at the top of model.hpp: a mapping with exactly one matcher key (`field` also
// takes exactly one operator key beside it: equals, in, exists or matches),
// `all` / `any` non-empty lists, `not` one matcher. Regexes are compiled here
// with RE2, once per load, never per recipient.
// Limits: matchers nest at most max_matcher_depth deep; one regex's compiled
// program may use at most max_regex_memory bytes.
// Errors: each problem is reported to the decoder at its value, with its path
// ("rules[2].match.all[0].field: ..."); the result is nullopt when any was found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "relay/config/decoder.hpp"
#include "relay/config/yaml_tree.hpp"
#include "relay/policy/model.hpp"

namespace kizuna::policy {

inline constexpr int max_matcher_depth = 16;
inline constexpr int64_t max_regex_memory = 1 << 20;

// `depth` is 1 for a rule's match, one more inside each all/any/not.
std::optional<matcher> decode_matcher(config::decoder& d, const config::yaml_node& node, const std::string& path,
                                      int depth = 1);

}  // namespace kizuna::policy
