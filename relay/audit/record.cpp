#include "relay/audit/record.hpp"

#include <array>

namespace kizuna::audit {
namespace {

constexpr std::array<const char*, 10> action_names = {"relay",       "drop",    "reject",  "defer",  "hold",
                                                      "unsubscribe", "release", "discard", "bounce", "outcome"};

}  // namespace

const char* to_string(action a) noexcept { return action_names[static_cast<std::size_t>(a)]; }

std::optional<action> parse_action(std::string_view s) noexcept {
  for (std::size_t i = 0; i < action_names.size(); ++i)
    if (s == action_names[i]) return static_cast<action>(i);
  return std::nullopt;
}

}  // namespace kizuna::audit
