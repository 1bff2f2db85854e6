// The audit log writer: appends records (record.hpp) to a hash-chained JSON Lines
// file from any number of threads, with group commit.
//
// Each writer has one thread. Appenders queue records; the thread takes everything
// queued, writes it in one write(2) and, with `fsync`, one fdatasync(2), then
// completes every appender of that batch — so records that arrive while one fsync
// runs share the next one, and a decision is on disk before the reply that depends
// on it (SPEC §3 audit.fsync: always). A request's records are contiguous in the
// chain and requests keep their order. Group commit delay (PostgreSQL's commit_delay,
// made adaptive): when the previous batch held more than one record, appenders are
// concurrent, so the thread waits up to as long as the last fdatasync took (at most
// max_commit_delay) for more records before committing. On a loaded virtual disk an
// fdatasync costs far more CPU and wake-ups than that wait costs latency; a lone
// appender never waits. Appenders wake the thread only when the queue was empty.
//
// Several writers, even in different processes (`kizuna serve` and `kizuna hold
// release`), append to one chain: each batch is committed under an exclusive
// flock(2) on the live file, held only for that commit (or a rotation). Under it a
// writer first catches up: when the live path names another file than the one it
// has open (another writer rotated), it reopens the path; when the file's size is
// not the size it last left it at (another writer appended), it re-reads the tail
// (tail_recovery.hpp) for the current seq and hash. Then it numbers and links its
// batch, writes, syncs, notes the new size and unlocks. Per batch that is one
// flock/unlock, one fstat and one stat; the tail is read only after another writer.
//
// Restarts: open() continues the chain where the files end (tail_recovery.hpp) and
// refuses a file whose last line is not a valid record. The same check runs each
// time the tail is re-read under the lock: a tail that does not verify (truncated
// or edited by a third party), or a chain that went back (records removed), means
// the chain is broken; nothing is written after it. Rotation (max_bytes, or
// rotate() on SIGHUP), by whichever writer sees the need, under the lock: the live
// file is renamed "<path>.<UTC yyyymmddThhmmss>.<seq>" and a new one started whose
// first record's prev is the last hash of the renamed one; the other writers follow
// the path at their next commit; the chain never restarts. Do not let logrotate
// rename the file (it may compress or delete files kizuna rotated).
//
// Limits: `max_pending` records queued; past it an asynchronous append fails at once
// with boost::asio::error::no_buffer_space (the caller defers the recipient: fail
// closed) and a blocking one waits. Errors: a failed write is rolled back
// (ftruncate) and that batch fails with errc::io_failure; a failed fdatasync leaves
// the file in an unknown state, and a broken chain (above) cannot be continued, so
// in both cases every later append fails with errc::io_failure until a restart
// re-reads the file. After close(): errc::shutting_down.
// Files are created 0640 in directories created 0750 (both subject to the umask).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <expected>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "relay/audit/chain.hpp"
#include "relay/audit/live_file.hpp"
#include "relay/audit/record.hpp"
#include "relay/core/errc.hpp"
#include "relay/metrics/recorder.hpp"

namespace kizuna::audit {

struct writer_options {
  std::filesystem::path path;                  // the live file (audit.path)
  std::string instance;                        // written when a record has none ("" = gethostname())
  bool fsync = true;                           // audit.fsync: always (true) | never (false: tests, benchmarks)
  std::uint64_t max_bytes = 256ull << 20;      // rotate once the live file reaches this size (0 = only on rotate())
  std::size_t max_pending = 65536;             // records queued for the writer thread
  std::chrono::microseconds max_commit_delay{1000};  // cap of the group commit delay (0 = never wait)
  bool repair_truncated_tail = false;          // cut off a partial last line (logged) instead of refusing it,
                                               // at open and when the tail is re-read (a writer killed mid-write)
  // Metrics (kizuna serve; none elsewhere): the writer thread's recorder, with
  // which it observes append and fsync durations and counts errors, and a hook
  // it calls on its thread with each record once that record is on disk
  // (the daemon counts recipients by decision and rule from it). Appenders
  // count refused appends with their own thread's recorder (metrics/recorder.hpp).
  metrics::recorder metrics{};
  std::function<void(const record&)> on_committed;
};

class log_writer {
 public:
  using completion = std::move_only_function<void(error_code)>;

  // Opens (creating directories and file), reads where the chain stands (under the
  // lock) and starts the writer thread. The error is one line naming the file (and
  // line) for the operator.
  static std::expected<std::unique_ptr<log_writer>, std::string> open(writer_options options);

  ~log_writer();  // close()
  log_writer(const log_writer&) = delete;
  log_writer& operator=(const log_writer&) = delete;

  // For coroutines: completes on `ex` once the records are written (and fsynced).
  // Records with a default ts are stamped with the time of writing.
  boost::asio::awaitable<error_code> append(boost::asio::any_io_executor ex, std::vector<record> records);
  // One record. Also what `append(ex, {rec})` picks, which avoids GCC 12's "array used as
  // initializer" bug with a std::initializer_list inside co_await.
  boost::asio::awaitable<error_code> append(boost::asio::any_io_executor ex, record one);

  // Callback form: `done` runs on the writer thread (keep it short; post elsewhere),
  // or inline when the records are refused at once (closed, queue full, broken).
  void async_append(std::vector<record> records, completion done);

  // Blocking form, for threads that may block (never an I/O thread).
  error_code append_blocking(std::vector<record> records);

  // Rotates after the records queued before it; a no-op when the live file is empty.
  void async_rotate(completion done);
  error_code rotate();  // blocking

  // Writes what is queued and stops the writer thread. Idempotent; call it from one
  // thread, never from a completion.
  void close();

  // The last record of the chain as this writer last saw it (its own last commit, or
  // another writer's when it caught up); seq 0 and 64 zeros before the first.
  chain_position position() const;

 private:
  struct request {
    std::vector<record> records;
    completion done;
    bool rotate = false;
    std::chrono::steady_clock::time_point queued{};  // with metrics: for the append duration
  };

  explicit log_writer(writer_options options);
  void submit(request r, bool wait_for_space);
  void run();
  error_code commit(std::vector<request>& batch);
  error_code rotate_chain(bool only_when_full);
  error_code lock_and_catch_up();
  void count_error(metrics::audit_operation op) const;
  std::expected<void, std::string> catch_up();
  void fail(error_code ec);

  const writer_options options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;   // the writer thread: work queued or closing
  std::condition_variable space_;  // blocking appenders: queue drained
  std::deque<request> queue_;
  std::size_t pending_records_ = 0;
  bool closing_ = false;
  error_code broken_;              // sticky: the file is in an unknown state, or the chain broken
  chain_position published_;       // copy of position_ for position()

  // Writer thread only (and open(), before it starts). fd_ is locked only inside
  // commit() and rotate_chain().
  chain_position position_;
  int fd_ = -1;
  file_state file_;      // the file fd_ names; its size is where this writer last left it
  bool synced_ = false;  // position_ and file_.size describe fd_'s file (false: re-read the tail)
  std::size_t last_batch_records_ = 0;          // records in the previous commit
  std::chrono::microseconds last_sync_time_{};  // how long its fdatasync took

  std::thread thread_;
};

}  // namespace kizuna::audit
