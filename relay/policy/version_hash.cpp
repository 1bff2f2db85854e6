#include "relay/policy/version_hash.hpp"

#include <openssl/evp.h>

#include <cstdlib>
#include <memory>

namespace kizuna::policy {

std::string policy_version(std::span<const loaded_file> files) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1;
  static constexpr char nul = '\0';
  for (const auto& f : files) {
    ok = ok && EVP_DigestUpdate(ctx.get(), f.absolute_path.data(), f.absolute_path.size()) == 1;
    ok = ok && EVP_DigestUpdate(ctx.get(), &nul, 1) == 1;
    ok = ok && EVP_DigestUpdate(ctx.get(), f.bytes.data(), f.bytes.size()) == 1;
    ok = ok && EVP_DigestUpdate(ctx.get(), &nul, 1) == 1;
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  ok = ok && EVP_DigestFinal_ex(ctx.get(), digest, &size) == 1;
  // SHA-256 in memory fails only when OpenSSL itself is broken (allocation, FIPS
  // misconfiguration): an invariant, not an input error.
  if (!ok) std::abort();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

}  // namespace kizuna::policy
