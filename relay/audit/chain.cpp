#include "relay/audit/chain.hpp"

#include "relay/core/sha256.hpp"

namespace kizuna::audit {

std::string chain_hash(std::string_view prev, std::string_view body) { return sha256_hex({prev, "\n", body}); }

bool is_hash_hex(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace kizuna::audit
