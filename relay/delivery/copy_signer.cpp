#include "relay/delivery/copy_signer.hpp"

#include <boost/asio/this_coro.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <exception>
#include <utility>

namespace kizuna::delivery {
namespace asio = boost::asio;

copy_signer::copy_signer(unsigned threads) : thread_count_(threads == 0 ? 1 : threads) {
  threads_.reserve(thread_count_);
  for (unsigned i = 0; i < thread_count_; ++i) threads_.emplace_back([this] { work(); });
}

copy_signer::~copy_signer() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (std::thread& t : threads_) t.join();
  queue_.clear();  // their sessions are being torn down with the process
}

asio::awaitable<copy_signer::result> copy_signer::sign(std::string_view message,
                                                       std::span<const dkim::signing_key* const> keys,
                                                       dkim::sign_options options) {
  asio::any_io_executor home = co_await asio::this_coro::executor;
  auto initiate = [this, message, keys, options, home](asio::any_completion_handler<void(result)> done) {
    submit(std::make_unique<job>(job{message, keys, options, home, std::move(done), {}}));
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(result)>(std::move(initiate),
                                                                                      asio::use_awaitable);
}

// The signing threads are woken from a handler posted behind the submitter's
// ready work, not at once: copies of a fan-out are rendered one after another
// on the I/O thread, and this way a signing thread wakes once to find them all
// queued rather than once per copy (on a shared core, a thread woken at once
// preempts the I/O thread and gets one copy per wake-up).
void copy_signer::submit(job_ptr j) {
  const asio::any_io_executor home = j->home;
  bool kick = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(j));
    kick = !kick_pending_;
    kick_pending_ = true;
  }
  if (kick)
    asio::post(home, [this] {
      bool wake = false;
      {
        std::lock_guard lock(mutex_);
        kick_pending_ = false;
        wake = idle_ > 0 && !queue_.empty();  // a busy thread finds the queue when it looks again
      }
      if (wake) ready_.notify_one();
    });
}

void copy_signer::work() {
  std::vector<job_ptr> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_;
    ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_;
    if (stopping_) return;
    // This thread's share of what is queued; another idle thread takes the rest.
    const std::size_t share = (queue_.size() + thread_count_ - 1) / thread_count_;
    batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.begin() + share));
    queue_.erase(queue_.begin(), queue_.begin() + share);
    if (!queue_.empty() && idle_ > 0) ready_.notify_one();
    lock.unlock();
    for (const job_ptr& j : batch) {
      try {
        j->signed_copy = dkim::sign(j->message, j->keys, j->options);
      } catch (const std::exception& e) {  // bad_alloc: this copy fails, the thread goes on
        j->signed_copy = std::unexpected(std::string("signing failed: ") + e.what());
      }
    }
    hand_back(batch);
    lock.lock();
  }
}

// One post per executor (I/O thread) for the whole batch: the sessions resume
// one after the other from a single wake-up of their thread.
void copy_signer::hand_back(std::vector<job_ptr>& batch) {
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (!batch[i]) continue;
    const asio::any_io_executor home = batch[i]->home;
    std::vector<job_ptr> group;
    for (std::size_t k = i; k < batch.size(); ++k)
      if (batch[k] && batch[k]->home == home) group.push_back(std::move(batch[k]));
    asio::post(home, [group = std::move(group)] {
      for (const job_ptr& j : group) std::move(j->done)(std::move(j->signed_copy));
    });
  }
  batch.clear();
}

}  // namespace kizuna::delivery
