#include "relay/audit/log_writer.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <future>
#include <utility>

#include <fmt/format.h>

#include "relay/audit/chain_files.hpp"
#include "relay/audit/line_format.hpp"
#include "relay/audit/live_file.hpp"
#include "relay/audit/tail_recovery.hpp"
#include "relay/core/log.hpp"

namespace kizuna::audit {
namespace {

std::string host_name() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// Drops the chain lock on whatever file fd names when the scope ends (fd may change
// inside: a rotation or a catch-up reopens the live path).
class unlock_at_exit {
 public:
  explicit unlock_at_exit(const int& fd) : fd_(fd) {}
  ~unlock_at_exit() {
    if (fd_ >= 0) unlock_file(fd_);
  }
  unlock_at_exit(const unlock_at_exit&) = delete;
  unlock_at_exit& operator=(const unlock_at_exit&) = delete;

 private:
  const int& fd_;
};

}  // namespace

std::expected<std::unique_ptr<log_writer>, std::string> log_writer::open(writer_options options) {
  if (options.path.empty()) return std::unexpected(std::string("audit log path is empty"));
  if (options.instance.empty()) options.instance = host_name();
  std::unique_ptr<log_writer> w(new log_writer(std::move(options)));
  {
    // Under the lock, so the tail read cannot race another writer's commit.
    unlock_at_exit unlock(w->fd_);
    if (auto synced = w->catch_up(); !synced) return std::unexpected(std::move(synced.error()));
  }
  if (w->options_.fsync && sync_parent_dir(w->options_.path) != 0)
    log::warning("audit: {}: cannot fsync its directory", w->options_.path.string());
  w->thread_ = std::thread([raw = w.get()] { raw->run(); });
  return w;
}

log_writer::log_writer(writer_options options) : options_(std::move(options)) {}

log_writer::~log_writer() { close(); }

void log_writer::close() {
  {
    std::lock_guard lock(mutex_);
    if (closing_ && !thread_.joinable()) return;
    closing_ = true;
  }
  wake_.notify_all();
  space_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_), fd_ = -1;
}

chain_position log_writer::position() const {
  std::lock_guard lock(mutex_);
  return published_;
}

void log_writer::submit(request r, bool wait_for_space) {
  const std::size_t n = r.records.size();
  if (options_.metrics.cells) r.queued = std::chrono::steady_clock::now();
  error_code refused;
  bool was_empty = false;
  {
    std::unique_lock lock(mutex_);
    auto full = [&] { return pending_records_ > 0 && pending_records_ + n > options_.max_pending; };
    if (wait_for_space) space_.wait(lock, [&] { return closing_ || broken_ || !full(); });
    if (closing_) refused = errc::shutting_down;
    else if (broken_) refused = broken_;
    else if (full()) refused = boost::asio::error::no_buffer_space;
    else {
      was_empty = queue_.empty();
      pending_records_ += n;
      queue_.push_back(std::move(r));
    }
  }
  if (refused) {
    // Counted on the appender's own shard: this is its thread.
    if (auto* m = metrics::this_thread(); m && refused != errc::shutting_down)
      m->cells->inc(m->ids->audit_errors, {metrics::index(metrics::audit_operation::append)});
    if (r.done) r.done(refused);
    return;
  }
  // The thread waits for an empty queue to fill (or for closing): waking it for
  // every append would cost a futex wake and a context switch each, and cut the
  // group commit delay short.
  if (was_empty) wake_.notify_one();
}

void log_writer::async_append(std::vector<record> records, completion done) {
  submit(request{std::move(records), std::move(done)}, false);
}

error_code log_writer::append_blocking(std::vector<record> records) {
  std::promise<error_code> result;
  auto future = result.get_future();
  submit(request{std::move(records), [&result](error_code ec) { result.set_value(ec); }}, true);
  return future.get();
}

void log_writer::async_rotate(completion done) { submit(request{{}, std::move(done), true}, false); }

error_code log_writer::rotate() {
  std::promise<error_code> result;
  auto future = result.get_future();
  async_rotate([&result](error_code ec) { result.set_value(ec); });
  return future.get();
}

boost::asio::awaitable<error_code> log_writer::append(boost::asio::any_io_executor ex, std::vector<record> records) {
  auto initiate = [this, ex](auto handler, std::vector<record> recs) {
    // A tracked executor keeps the caller's io_context alive while the writer works.
    auto target = boost::asio::prefer(boost::asio::get_associated_executor(handler, ex),
                                      boost::asio::execution::outstanding_work.tracked);
    async_append(std::move(recs), [handler = std::move(handler), target = std::move(target)](error_code ec) mutable {
      boost::asio::post(target, [handler = std::move(handler), ec]() mutable { std::move(handler)(ec); });
    });
  };
  // as_tuple: the error_code is the result, not an exception.
  constexpr auto token = boost::asio::as_tuple(boost::asio::use_awaitable);
  auto [ec] = co_await boost::asio::async_initiate<decltype(token), void(error_code)>(std::move(initiate), token,
                                                                                     std::move(records));
  co_return ec;
}

boost::asio::awaitable<error_code> log_writer::append(boost::asio::any_io_executor ex, record one) {
  std::vector<record> records;
  records.push_back(std::move(one));
  co_return co_await append(std::move(ex), std::move(records));
}

void log_writer::run() {
  metrics::bind_this_thread(options_.metrics);
  for (;;) {
    std::vector<request> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (last_batch_records_ > 1 && !closing_) {  // concurrent appenders: gather more (header)
        const auto delay = std::min(last_sync_time_, options_.max_commit_delay);
        if (delay.count() > 0) wake_.wait_for(lock, delay, [&] { return closing_; });
      }
      if (queue_.empty()) return;  // closing, and everything queued is written
      batch.reserve(queue_.size());
      for (auto& r : queue_) batch.push_back(std::move(r));
      queue_.clear();
      pending_records_ = 0;
    }
    space_.notify_all();

    const error_code ec = commit(batch);
    if (!ec && options_.metrics.cells) {
      const auto now = std::chrono::steady_clock::now();
      for (const auto& r : batch)
        if (!r.rotate && !r.records.empty())
          options_.metrics.cells->observe(options_.metrics.ids->audit_append_duration, {}, now - r.queued);
    }
    if (!ec && options_.on_committed)
      for (const auto& r : batch)
        for (const auto& rec : r.records) options_.on_committed(rec);
    for (auto& r : batch)
      if (!r.rotate && r.done) r.done(ec);
    if (!ec && options_.max_bytes > 0 && file_.size >= options_.max_bytes) {
      if (auto rec = rotate_chain(true))
        log::error("audit: {}: rotation failed: {}", options_.path.string(), rec.message());
    }
    for (auto& r : batch)
      if (r.rotate) {
        const error_code rec = ec ? ec : rotate_chain(false);
        if (r.done) r.done(rec);
      }
  }
}

// Called with no lock; returns with fd_ locked (unless it failed before locking:
// the caller's unlock_at_exit handles both), naming the live file, and with
// position_ and file_ describing its end.
std::expected<void, std::string> log_writer::catch_up() {
  const auto& path = options_.path;
  file_state here;
  for (;;) {
    if (fd_ < 0) {
      auto fd = open_live_file(path);
      if (!fd) return std::unexpected(std::move(fd.error()));
      fd_ = *fd;
      synced_ = false;
    }
    if (int err = lock_file(fd_))
      return std::unexpected(fmt::format("{}: cannot lock: {}", path.string(), std::strerror(err)));
    if (int err = state_of(fd_, here))
      return std::unexpected(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(err)));
    file_state named;
    const int err = state_of(path, named);
    if (err != 0 && err != ENOENT)
      return std::unexpected(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(err)));
    if (err == 0 && named.same_file(here)) break;
    // Another writer rotated the file we hold (or it was removed): follow the path.
    ::close(fd_);  // drops the lock too
    fd_ = -1;
  }
  if (synced_ && here.same_file(file_) && here.size == file_.size) return {};  // nobody else wrote

  // Another writer appended (or this one has not read the file yet): read where the chain stands.
  std::string problem;
  std::expected<chain_position, std::string> tail;
  if (synced_ && here.same_file(file_) && here.size < file_.size)
    problem = fmt::format("{}: the file shrank from {} to {} bytes: records were removed; the chain cannot "
                          "continue (run kizuna audit verify)",
                          path.string(), file_.size, here.size);
  else if (tail = recover_position(path, options_.repair_truncated_tail); !tail)
    problem = std::move(tail.error());
  else if (tail->seq < position_.seq || (tail->seq == position_.seq && tail->hash != position_.hash))
    problem = fmt::format("{}: the chain went back from seq {} to seq {}: records were removed or rewritten; "
                          "it cannot continue (run kizuna audit verify)",
                          path.string(), position_.seq, tail->seq);
  if (!problem.empty()) {
    fail(errc::io_failure);  // broken for good: nothing may be written after it
    return std::unexpected(std::move(problem));
  }
  // Measured after recovery: repairing a truncated tail shrinks the file.
  if (int err = state_of(fd_, here))
    return std::unexpected(fmt::format("{}: cannot stat: {}", path.string(), std::strerror(err)));
  file_ = here;
  position_ = std::move(*tail);
  synced_ = true;
  std::lock_guard lock(mutex_);
  published_ = position_;
  return {};
}

// What commit and rotate do first: refuse once broken, else take the lock (the
// caller's unlock_at_exit drops it) and catch up with other writers.
error_code log_writer::lock_and_catch_up() {
  {
    std::lock_guard lock(mutex_);
    if (broken_) return broken_;
  }
  if (auto synced = catch_up(); !synced) {
    log::error("audit: {}", synced.error());
    count_error(metrics::audit_operation::open);
    return errc::io_failure;
  }
  return {};
}

void log_writer::count_error(metrics::audit_operation op) const {
  if (options_.metrics.cells) options_.metrics.cells->inc(options_.metrics.ids->audit_errors, {metrics::index(op)});
}

error_code log_writer::commit(std::vector<request>& batch) {
  std::size_t count = 0;
  for (const auto& r : batch) count += r.records.size();
  last_batch_records_ = count;
  if (count == 0) return {};
  unlock_at_exit unlock(fd_);
  if (error_code ec = lock_and_catch_up()) return ec;

  std::string buffer;
  buffer.reserve(count * 512);
  chain_position next = position_;
  const auto now = std::chrono::system_clock::now();
  for (auto& r : batch)
    for (auto& rec : r.records) {
      if (rec.ts == std::chrono::system_clock::time_point{}) rec.ts = now;
      if (rec.instance.empty()) rec.instance = options_.instance;
      const std::string body = format_body(rec, ++next.seq, next.hash);
      next.hash = chain_hash(next.hash, body);
      buffer += format_line(body, next.hash);
    }

  if (int err = write_all(fd_, buffer)) {
    log::error("audit: {}: write failed: {}", options_.path.string(), std::strerror(err));
    // Roll back a partial write so the file still ends with a whole record (we hold the lock:
    // nobody else wrote after file_.size).
    if (::ftruncate(fd_, static_cast<off_t>(file_.size)) != 0) fail(errc::io_failure);
    count_error(metrics::audit_operation::append);
    return errc::io_failure;
  }
  const auto sync_start = std::chrono::steady_clock::now();
  if (options_.fsync && ::fdatasync(fd_) != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages: nothing is known any more.
    log::error("audit: {}: fdatasync failed: {}; refusing further records until restart", options_.path.string(),
               std::strerror(errno));
    fail(errc::io_failure);
    count_error(metrics::audit_operation::fsync);
    return errc::io_failure;
  }
  if (options_.fsync) {
    const auto took = std::chrono::steady_clock::now() - sync_start;
    last_sync_time_ = std::chrono::duration_cast<std::chrono::microseconds>(took);
    if (options_.metrics.cells) options_.metrics.cells->observe(options_.metrics.ids->audit_fsync_duration, {}, took);
  }
  file_.size += buffer.size();
  position_ = std::move(next);
  std::lock_guard lock(mutex_);
  published_ = position_;
  return {};
}

error_code log_writer::rotate_chain(bool only_when_full) {
  unlock_at_exit unlock(fd_);
  if (error_code ec = lock_and_catch_up()) return ec;
  if (file_.size == 0) return {};  // nothing to rotate
  // Another writer may have rotated since this one saw the file full.
  if (only_when_full && file_.size < options_.max_bytes) return {};
  const auto& path = options_.path;
  const auto target = rotated_path(path, std::chrono::system_clock::now(), position_.seq);
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    log::error("audit: cannot rotate {}: {} exists", path.string(), target.string());
    return errc::io_failure;
  }
  std::filesystem::rename(path, target, ec);
  if (ec) {
    log::error("audit: cannot rotate {}: {}", path.string(), ec.message());
    return errc::io_failure;
  }
  log::info("audit: rotated {} to {} (last seq {})", path.string(), target.string(), position_.seq);
  // Start the new live file while still holding the lock on the renamed one, so the
  // rename and the creation are durable before another writer follows the path.
  auto fresh = open_live_file(path);
  if (options_.fsync && sync_parent_dir(path) != 0)
    log::warning("audit: {}: cannot fsync its directory", path.string());
  ::close(fd_);  // drops the lock
  fd_ = -1;
  synced_ = false;  // the next commit reads where the chain stands (another writer may be first)
  if (!fresh) {
    log::error("audit: {}", fresh.error());  // the next commit retries
    count_error(metrics::audit_operation::open);
    return errc::io_failure;
  }
  fd_ = *fresh;
  return {};
}

void log_writer::fail(error_code ec) {
  std::lock_guard lock(mutex_);
  if (!broken_) broken_ = ec;
}

}  // namespace kizuna::audit
