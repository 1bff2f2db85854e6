#include "relay/audit/chain.hpp"

#include <openssl/evp.h>

#include <cassert>
#include <cstdlib>
#include <memory>

namespace kizuna::audit {

std::string chain_hash(std::string_view prev, std::string_view body) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // These only fail on allocation failure or a broken OpenSSL build: invariants.
  [[maybe_unused]] bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
                             EVP_DigestUpdate(ctx.get(), prev.data(), prev.size()) == 1 &&
                             EVP_DigestUpdate(ctx.get(), "\n", 1) == 1 &&
                             EVP_DigestUpdate(ctx.get(), body.data(), body.size()) == 1 &&
                             EVP_DigestFinal_ex(ctx.get(), digest, &length) == 1;
  assert(ok && length == 32);
  if (!ok) std::abort();
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

bool is_hash_hex(std::string_view s) noexcept {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace kizuna::audit
