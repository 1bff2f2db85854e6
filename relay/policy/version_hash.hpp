// The policy version written to every audit record (SPEC §9 policy_version):
// lowercase hex SHA-256 over, for each loaded file in load order, its absolute
// path, a NUL, its bytes, a NUL. So the same files give the same version on
// every reload, and any changed byte, renamed or reordered file gives another.
// The OpenSSL adapter: EVP types stay in version_hash.cpp.
#pragma once

#include <span>
#include <string>

namespace kizuna::policy {

struct loaded_file {
  std::string absolute_path;
  std::string bytes;
};

std::string policy_version(std::span<const loaded_file> files);

}  // namespace kizuna::policy
