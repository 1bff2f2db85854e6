// The hash chain of record.hpp: hash = hex SHA-256(prev + "\n" + P).
// Pure; OpenSSL stays inside chain.cpp. Never fails (allocation aside).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "relay/audit/record.hpp"

namespace kizuna::audit {

// Lowercase hex SHA-256 of prev + "\n" + body.
std::string chain_hash(std::string_view prev, std::string_view body);

// True for 64 lowercase hex digits.
bool is_hash_hex(std::string_view s) noexcept;

// Where a chain stands: the last record's seq and hash ({0, 64 zeros} before the first).
struct chain_position {
  std::uint64_t seq = 0;
  std::string hash{genesis_hash};
};

}  // namespace kizuna::audit
