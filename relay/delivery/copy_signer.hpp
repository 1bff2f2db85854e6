// Signs copies off the I/O threads (issue 12). An RSA-2048 signature costs
// about 0.4-0.8 ms of CPU: on an I/O thread that would stall every other
// session of that thread for as long, once per copy of a fan-out. The copy is
// rendered on the I/O thread (cheap), signed on this pool's threads, and the
// session resumes on its own thread when the signature is done.
//
// The hand-off is batched both ways: a signing thread takes every copy queued
// since it last looked (its share of them), and hands the finished ones back
// with one post per I/O thread. Under a fan-out the wake-ups and context
// switches are then paid per batch, not per copy (bench/dkim_sign.sh).
//
// Ed25519 (~0.04 ms) goes the same way: batched, the hand-off costs a few
// microseconds per copy, no more than signing in place cost in cache misses.
//
// One pool per process, as many threads as I/O threads: signing is CPU work,
// so more threads than cores would only add switching. The pool outlives
// configuration generations (the keys travel with each call).
#pragma once

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <condition_variable>
#include <expected>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "relay/dkim/signer.hpp"

namespace kizuna::delivery {

class copy_signer {
 public:
  using result = std::expected<std::string, std::string>;

  explicit copy_signer(unsigned threads);
  ~copy_signer();  // copies still queued are abandoned, never sent (the process is ending)
  copy_signer(const copy_signer&) = delete;
  copy_signer& operator=(const copy_signer&) = delete;

  // dkim::sign on the pool. `message` and `keys` must stay alive until it returns.
  boost::asio::awaitable<result> sign(std::string_view message, std::span<const dkim::signing_key* const> keys,
                                      dkim::sign_options options);

 private:
  struct job {
    std::string_view message;
    std::span<const dkim::signing_key* const> keys;
    dkim::sign_options options;
    boost::asio::any_io_executor home;  // the session's I/O thread
    boost::asio::any_completion_handler<void(result)> done;
    result signed_copy;
  };
  // Jobs move only by pointer: Boost 1.81's any_completion_handler move
  // assignment wraps the handler in itself (endless recursion when called).
  using job_ptr = std::unique_ptr<job>;

  void submit(job_ptr j);
  void work();
  static void hand_back(std::vector<job_ptr>& batch);

  std::mutex mutex_;
  std::condition_variable ready_;
  std::vector<job_ptr> queue_;  // guarded by mutex_
  unsigned idle_ = 0;           // threads waiting on ready_; guarded by mutex_
  bool stopping_ = false;       // guarded by mutex_
  bool kick_pending_ = false;   // a wake-up is posted, not yet run; guarded by mutex_
  const unsigned thread_count_;
  std::vector<std::thread> threads_;
};

}  // namespace kizuna::delivery
