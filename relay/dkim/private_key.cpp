#include "relay/dkim/private_key.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "relay/core/base64.hpp"
#include "relay/core/read_file.hpp"

namespace kizuna::dkim {
namespace {

std::string openssl_error(std::string_view what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return std::string(what);
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return fmt::format("{}: {}", what, buf);
}

struct pkey_ctx_free {
  void operator()(EVP_PKEY_CTX* c) const noexcept { EVP_PKEY_CTX_free(c); }
};
struct md_ctx_free {
  void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
using pkey_ctx_ptr = std::unique_ptr<EVP_PKEY_CTX, pkey_ctx_free>;
using md_ctx_ptr = std::unique_ptr<EVP_MD_CTX, md_ctx_free>;

// The key's pools of set-up signing contexts (private_key.hpp): one taken, or none.
template <class Ptr>
Ptr take_idle(std::mutex& m, std::vector<typename Ptr::pointer>& idle) {
  std::lock_guard lock(m);
  if (idle.empty()) return Ptr();
  Ptr ctx(idle.back());
  idle.pop_back();
  return ctx;
}

// Back to the pool after a signature (freed when the pool is full).
template <class Ptr>
void keep_idle(std::mutex& m, std::vector<typename Ptr::pointer>& idle, Ptr ctx) {
  constexpr std::size_t max_idle = 64;
  std::lock_guard lock(m);
  if (idle.size() < max_idle) idle.push_back(ctx.release());
}

std::expected<std::shared_ptr<const private_key>, std::string> adopt(EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: {
      const int bits = EVP_PKEY_get_bits(key);
      if (bits < static_cast<int>(min_rsa_bits) || bits > static_cast<int>(max_rsa_bits)) {
        EVP_PKEY_free(key);
        return std::unexpected(fmt::format("an RSA key of {} bits; DKIM needs {} to {} (2048 recommended, "
                                           "RFC 8301)", bits, min_rsa_bits, max_rsa_bits));
      }
      return std::make_shared<const private_key>(key, algorithm::rsa_sha256, static_cast<unsigned>(bits));
    }
    case EVP_PKEY_ED25519:
      return std::make_shared<const private_key>(key, algorithm::ed25519_sha256, 256u);
    default:
      EVP_PKEY_free(key);
      return std::unexpected("neither an RSA nor an Ed25519 private key");
  }
}

}  // namespace

std::string_view tag_of(algorithm a) noexcept {
  return a == algorithm::rsa_sha256 ? "rsa-sha256" : "ed25519-sha256";
}

private_key::~private_key() {
  for (EVP_PKEY_CTX* c : idle_) EVP_PKEY_CTX_free(c);
  for (EVP_MD_CTX* c : idle_md_) EVP_MD_CTX_free(c);
  EVP_PKEY_free(key_);
}

std::string private_key::sign(const sha256_digest& digest) const {
  std::size_t len = 0;
  std::string out;
  if (alg_ == algorithm::rsa_sha256) {
    pkey_ctx_ptr ctx = take_idle<pkey_ctx_ptr>(idle_mutex_, idle_);
    if (!ctx) {
      ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key_, nullptr));
      if (!ctx || EVP_PKEY_sign_init(ctx.get()) <= 0 ||
          EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) <= 0 ||
          EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) <= 0)
        throw std::runtime_error(openssl_error("RSA signing setup failed"));
    }
    len = static_cast<std::size_t>(EVP_PKEY_get_size(key_));
    out.resize(len);
    if (EVP_PKEY_sign(ctx.get(), reinterpret_cast<unsigned char*>(out.data()), &len, digest.data(),
                      digest.size()) <= 0)
      throw std::runtime_error(openssl_error("RSA signing failed"));
    keep_idle(idle_mutex_, idle_, std::move(ctx));
  } else {
    md_ctx_ptr ctx = take_idle<md_ctx_ptr>(idle_mutex_, idle_md_);
    len = 64;
    out.resize(len);
    const auto sign_with = [&](EVP_MD_CTX* c) {
      len = out.size();
      return EVP_DigestSign(c, reinterpret_cast<unsigned char*>(out.data()), &len, digest.data(), digest.size()) > 0;
    };
    // A reused context that an OpenSSL release refuses to sign with again is
    // dropped for a fresh one: the pool is a saving, never a failure.
    if (ctx && !sign_with(ctx.get())) {
      ERR_clear_error();
      ctx.reset();
    }
    if (!ctx) {
      ctx.reset(EVP_MD_CTX_new());
      if (!ctx || EVP_DigestSignInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_, nullptr) <= 0 ||
          !sign_with(ctx.get()))
        throw std::runtime_error(openssl_error("Ed25519 signing failed"));
    }
    keep_idle(idle_mutex_, idle_md_, std::move(ctx));
  }
  out.resize(len);
  return out;
}

bool private_key::verify(const sha256_digest& digest, std::string_view signature) const {
  const auto* sig = reinterpret_cast<const unsigned char*>(signature.data());
  if (alg_ == algorithm::rsa_sha256) {
    pkey_ctx_ptr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key_, nullptr));
    const bool ok = ctx && EVP_PKEY_verify_init(ctx.get()) > 0 &&
                    EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) > 0 &&
                    EVP_PKEY_CTX_set_signature_md(ctx.get(), EVP_sha256()) > 0 &&
                    EVP_PKEY_verify(ctx.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
    ERR_clear_error();
    return ok;
  }
  md_ctx_ptr ctx(EVP_MD_CTX_new());
  const bool ok = ctx && EVP_DigestVerifyInit_ex(ctx.get(), nullptr, nullptr, nullptr, nullptr, key_, nullptr) > 0 &&
                  EVP_DigestVerify(ctx.get(), sig, signature.size(), digest.data(), digest.size()) == 1;
  ERR_clear_error();
  return ok;
}

std::string private_key::dns_record() const {
  std::string der;
  if (alg_ == algorithm::rsa_sha256) {
    const int n = i2d_PUBKEY(key_, nullptr);
    if (n <= 0) throw std::runtime_error(openssl_error("cannot encode the public key"));
    der.resize(static_cast<std::size_t>(n));
    auto* p = reinterpret_cast<unsigned char*>(der.data());
    i2d_PUBKEY(key_, &p);
    return "v=DKIM1; k=rsa; p=" + base64_encode(der);
  }
  std::size_t len = 32;
  der.resize(len);
  if (EVP_PKEY_get_raw_public_key(key_, reinterpret_cast<unsigned char*>(der.data()), &len) <= 0)
    throw std::runtime_error(openssl_error("cannot encode the public key"));
  der.resize(len);
  return "v=DKIM1; k=ed25519; p=" + base64_encode(der);
}

std::string private_key::pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr, nullptr) <= 0)
    throw std::runtime_error(openssl_error("cannot write the key"));
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(n));
}

std::expected<std::shared_ptr<const private_key>, std::string> private_key::from_pem(std::string_view pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
                                                &BIO_free);
  // No passphrase callback: an encrypted key is refused, not prompted for.
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr,
                                                [](char*, int, int, void*) { return 0; }, nullptr)
                      : nullptr;
  if (!key) {
    ERR_clear_error();
    return std::unexpected("not an unencrypted PEM private key (make one with: kizuna dkim keygen)");
  }
  return adopt(key);
}

std::expected<std::shared_ptr<const private_key>, std::string> private_key::load(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return std::unexpected(fmt::format("cannot read: {}", std::strerror(errno)));
  if (!S_ISREG(st.st_mode)) return std::unexpected("not a regular file");
  if ((st.st_mode & (S_IWGRP | S_IRWXO)) != 0)
    return std::unexpected(fmt::format("mode {:04o} lets others read or the group write the private key "
                                       "(chmod 600, or 640 for a group that runs kizuna)",
                                       st.st_mode & 07777));
  auto text = read_small_file(file, max_key_file_bytes, "a key file");
  if (!text) return std::unexpected(text.error());
  return from_pem(*text);
}

std::shared_ptr<const private_key> private_key::generate(algorithm a, unsigned bits) {
  EVP_PKEY* key = a == algorithm::rsa_sha256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits))
                                             : EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (!key) throw std::runtime_error(openssl_error("key generation failed"));
  auto k = adopt(key);
  if (!k) throw std::runtime_error(k.error());
  return *k;
}

}  // namespace kizuna::dkim
