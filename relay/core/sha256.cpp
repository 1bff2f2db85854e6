#include "relay/core/sha256.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <vector>

namespace kizuna {
namespace {

// Failures here mean allocation failure or a broken OpenSSL build (no SHA-256):
// invariants, not input errors.
void require(bool ok) {
  if (!ok) std::abort();
}

const EVP_MD* sha256_md() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  require(md != nullptr);
  return md;
}

struct digest_context {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx{EVP_MD_CTX_new(), &EVP_MD_CTX_free};
  bool busy = false;
};
thread_local digest_context this_thread_digest;

// Keyed HMAC contexts of this thread, a few keys at most (key rotation keeps two
// or three); the oldest goes, its key wiped, when a new one comes.
class hmac_contexts {
 public:
  ~hmac_contexts() {
    for (auto& k : keyed_) forget(k);
  }

  EVP_MAC_CTX* for_key(std::string_view key) {
    for (auto& k : keyed_)
      if (k.key == key) return k.ctx;
    if (keyed_.size() == max_keys) {
      forget(keyed_.front());
      keyed_.erase(keyed_.begin());
    }
    static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    require(mac != nullptr);
    EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(mac);
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
                                 OSSL_PARAM_construct_end()};
    require(ctx && EVP_MAC_init(ctx, reinterpret_cast<const unsigned char*>(key.data()), key.size(), params) == 1);
    keyed_.push_back({std::string(key), ctx});
    return ctx;
  }

 private:
  struct keyed {
    std::string key;
    EVP_MAC_CTX* ctx;
  };
  static constexpr std::size_t max_keys = 4;

  static void forget(keyed& k) {
    EVP_MAC_CTX_free(k.ctx);
    OPENSSL_cleanse(k.key.data(), k.key.size());
  }

  std::vector<keyed> keyed_;
};
thread_local hmac_contexts this_thread_macs;

}  // namespace

sha256::sha256() {
  digest_context& d = this_thread_digest;
  require(!d.busy && d.ctx && EVP_DigestInit_ex2(d.ctx.get(), sha256_md(), nullptr) == 1);
  d.busy = true;
}

sha256::~sha256() {
  if (!done_) this_thread_digest.busy = false;
}

sha256& sha256::update(std::string_view bytes) {
  require(!done_ && EVP_DigestUpdate(this_thread_digest.ctx.get(), bytes.data(), bytes.size()) == 1);
  return *this;
}

sha256_digest sha256::digest() {
  sha256_digest out;
  unsigned int length = 0;
  require(!done_ && EVP_DigestFinal_ex(this_thread_digest.ctx.get(), out.data(), &length) == 1 && length == 32);
  done_ = true;
  this_thread_digest.busy = false;
  return out;
}

std::string sha256::hex() { return to_hex(digest()); }

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  sha256 h;
  for (std::string_view p : parts) h.update(p);
  return h.hex();
}

sha256_digest hmac_sha256(std::string_view key, std::string_view data) {
  EVP_MAC_CTX* ctx = this_thread_macs.for_key(key);
  sha256_digest out;
  std::size_t length = 0;
  // A null key restarts the MAC with the key already set.
  require(EVP_MAC_init(ctx, nullptr, 0, nullptr) == 1 &&
          EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1 &&
          EVP_MAC_final(ctx, out.data(), &length, out.size()) == 1 && length == out.size());
  return out;
}

std::string to_hex(std::span<const unsigned char> bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 15];
  }
  return out;
}

}  // namespace kizuna
