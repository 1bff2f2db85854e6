// What code counts with: the process's catalogue (family ids) and the calling
// thread's shard, found from the thread itself.
//
// Why per thread and not passed down: a shard may be written by one thread
// only (shard.hpp), so the thread *is* the key to it. Each counting thread (an
// I/O worker, the admin server, the audit writer) binds its recorder once when
// it starts; the code it runs (Redis client, sessions, downstream pool,
// unsubscribe) asks this_thread() and counts without a lock or a parameter
// threaded through every layer. Threads that bind nothing (CLI commands, unit
// tests, helper pools) get nullptr and count nothing, so the same code runs
// with or without metrics. The binding never changes after the thread starts.
//
//   if (auto* m = metrics::this_thread()) m->cells->inc(m->ids->redis_errors, {index(redis_error::timeout)});
#pragma once

#include "relay/metrics/catalogue.hpp"

namespace kizuna::metrics {

struct recorder {
  const catalogue* ids = nullptr;
  shard* cells = nullptr;
};

namespace detail {
inline constinit thread_local recorder bound_recorder{};
}  // namespace detail

// At the start of a counting thread, before it runs anything that counts.
inline void bind_this_thread(recorder r) noexcept { detail::bound_recorder = r; }

// The calling thread's recorder, or nullptr when it counts nothing.
inline const recorder* this_thread() noexcept {
  return detail::bound_recorder.cells ? &detail::bound_recorder : nullptr;
}

// The reply class label of an SMTP reply code; no code (0) is reply_class::error.
constexpr reply_class reply_class_of(int code) noexcept {
  return code >= 500   ? reply_class::c5xx
         : code >= 400 ? reply_class::c4xx
         : code >= 200 ? reply_class::c2xx
                       : reply_class::error;
}

}  // namespace kizuna::metrics
