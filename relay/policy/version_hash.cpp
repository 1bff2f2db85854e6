#include "relay/policy/version_hash.hpp"

#include "relay/core/sha256.hpp"

namespace kizuna::policy {

std::string policy_version(std::span<const loaded_file> files) {
  sha256 h;
  static constexpr std::string_view nul("\0", 1);
  for (const auto& f : files) h.update(f.absolute_path).update(nul).update(f.bytes).update(nul);
  return h.hex();
}

}  // namespace kizuna::policy
