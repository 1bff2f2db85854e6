// Signs copies off the I/O threads (issue 12). An RSA-2048 signature costs
// about 0.4-0.8 ms of CPU: on an I/O thread that would stall every other
// session of that thread for as long, once per copy of a fan-out. The copy is
// rendered on the I/O thread (cheap), signed on this pool's threads, and the
// session resumes on its own thread when the signature is done.
//
// Ed25519 alone (~0.04 ms) is signed in place: the hand-off there and back
// costs about as much in wake-ups and context switches (bench/dkim_sign.sh).
//
// One pool per process, as many threads as I/O threads: signing is CPU work,
// so more threads than cores would only add switching. The pool outlives
// configuration generations (the keys travel with each call).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <expected>
#include <span>
#include <string>
#include <string_view>

#include "relay/dkim/signer.hpp"

namespace kizuna::delivery {

class copy_signer {
 public:
  explicit copy_signer(unsigned threads);
  ~copy_signer();
  copy_signer(const copy_signer&) = delete;
  copy_signer& operator=(const copy_signer&) = delete;

  // dkim::sign on the pool. `message` and `keys` must stay alive until it returns.
  boost::asio::awaitable<std::expected<std::string, std::string>> sign(std::string_view message,
                                                                       std::span<const dkim::signing_key* const> keys,
                                                                       dkim::sign_options options);

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace kizuna::delivery
