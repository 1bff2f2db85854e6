// Redis key schema (SPEC §4). Per-address keys wrap the address in braces, a
// Redis Cluster hash tag, so all keys of one recipient share a slot.
#pragma once

#include <string>
#include <string_view>

namespace kizuna::store {

inline std::string address_key(std::string_view prefix, std::string_view kind, std::string_view addr) {
  std::string k;
  k.reserve(prefix.size() + kind.size() + addr.size() + 3);
  k.append(prefix).append(kind).append(":{").append(addr).append("}");
  return k;
}

}  // namespace kizuna::store
