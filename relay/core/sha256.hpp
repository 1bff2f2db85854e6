// SHA-256 and HMAC-SHA256 (OpenSSL 3) for the short inputs hashed per message:
// the audit chain, copies' Message-IDs, the delivery memo key, unsubscribe
// tokens. The algorithms are fetched once and each thread reuses its contexts
// (and one keyed HMAC context per key): OpenSSL 3's one-shot calls fetch the
// algorithm and, for HMAC, set the key up on every call, which costs more than
// hashing a few hundred bytes.
#pragma once

#include <array>
#include <cstddef>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace kizuna {

using sha256_digest = std::array<unsigned char, 32>;

// Incremental, for inputs that come in pieces. One at a time per thread: it
// uses the thread's context (a second live instance on the same thread aborts).
class sha256 {
 public:
  sha256();
  ~sha256();
  sha256(const sha256&) = delete;
  sha256& operator=(const sha256&) = delete;

  sha256& update(std::string_view bytes);
  sha256_digest digest();  // ends this hash
  std::string hex();       // digest() in lower-case hex

 private:
  bool done_ = false;
};

// The parts hashed one after the other, as lower-case hex.
std::string sha256_hex(std::initializer_list<std::string_view> parts);

sha256_digest hmac_sha256(std::string_view key, std::string_view data);

std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace kizuna
