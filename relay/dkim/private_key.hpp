// A DKIM signing key (RFC 6376 rsa-sha256, RFC 8463 ed25519-sha256), parsed
// once from a PEM file when the configuration is loaded and shared, read-only,
// by every signing thread (OpenSSL 3 keys are safe to use concurrently).
//
// Accepted: RSA of 1024 to 8192 bits (RFC 8301 §3.2: verifiers must refuse less
// than 1024; 2048 is what keygen makes) and Ed25519; PEM, PKCS#8 or
// traditional, unencrypted. The file must be a regular file that neither the
// group can write nor others can read or write (mode 0600 or 0640; OpenDKIM
// refuses the same): a signing key readable by every local user is a key
// anyone can sign as the domain with.
#pragma once

#include <cstdint>
#include <expected>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "relay/core/sha256.hpp"

struct evp_pkey_st;      // OpenSSL's EVP_PKEY
struct evp_pkey_ctx_st;  // OpenSSL's EVP_PKEY_CTX
struct evp_md_ctx_st;    // OpenSSL's EVP_MD_CTX

namespace kizuna::dkim {

enum class algorithm { rsa_sha256, ed25519_sha256 };

// "rsa-sha256" / "ed25519-sha256": the a= tag.
std::string_view tag_of(algorithm a) noexcept;

inline constexpr unsigned min_rsa_bits = 1024;
inline constexpr unsigned max_rsa_bits = 8192;
inline constexpr std::size_t max_key_file_bytes = 64u << 10;

class private_key {
 public:
  algorithm alg() const noexcept { return alg_; }
  unsigned bits() const noexcept { return bits_; }  // RSA modulus size; 256 for Ed25519
  // The b= value before base64: RSA PKCS#1 v1.5 over the SHA-256 digest, or
  // Ed25519 (pure) over the 32 digest bytes (RFC 8463 §3). Throws on an OpenSSL failure.
  std::string sign(const sha256_digest& digest) const;
  // Checks a signature made by this key (preview, tests).
  bool verify(const sha256_digest& digest, std::string_view signature) const;
  // The DNS TXT record's text: "v=DKIM1; k=rsa; p=<SubjectPublicKeyInfo>" or
  // "v=DKIM1; k=ed25519; p=<raw 32-byte key>", base64.
  std::string dns_record() const;

  // `file` is read here; the error says what is wrong with it (for file:line reports).
  static std::expected<std::shared_ptr<const private_key>, std::string> load(const std::filesystem::path& file);
  static std::expected<std::shared_ptr<const private_key>, std::string> from_pem(std::string_view pem);
  // A new key; `bits` only for RSA.
  static std::shared_ptr<const private_key> generate(algorithm a, unsigned bits);
  // PKCS#8 PEM of the private key.
  std::string pem() const;

  private_key(evp_pkey_st* key, algorithm a, unsigned bits) noexcept : key_(key), alg_(a), bits_(bits) {}
  ~private_key();
  private_key(const private_key&) = delete;
  private_key& operator=(const private_key&) = delete;

 private:
  evp_pkey_st* key_;
  algorithm alg_;
  unsigned bits_;
  // Signing contexts set up once (RSA: padding, digest) and reused: OpenSSL 3
  // fetches the algorithm and builds the context anew on every setup, a few
  // microseconds per signature that buy nothing (an Ed25519 signature itself
  // is only ~40 us).
  mutable std::mutex idle_mutex_;
  mutable std::vector<evp_pkey_ctx_st*> idle_;     // RSA
  mutable std::vector<evp_md_ctx_st*> idle_md_;    // Ed25519
};

}  // namespace kizuna::dkim
