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

#include <cerrno>
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

}  // namespace

std::expected<std::unique_ptr<log_writer>, std::string> log_writer::open(writer_options options) {
  if (options.path.empty()) return std::unexpected(std::string("audit log path is empty"));
  if (options.instance.empty()) options.instance = host_name();
  // Lock first, so the tail read below cannot race another writer.
  auto file = open_live_file(options.path);
  if (!file) return std::unexpected(file.error());
  auto start = recover_position(options.path, options.repair_truncated_tail);
  if (!start) {
    ::close(file->fd);
    return std::unexpected(start.error());
  }
  // Measured after recovery: repairing a truncated tail shrinks the file.
  const off_t size = ::lseek(file->fd, 0, SEEK_END);
  if (size < 0) {
    ::close(file->fd);
    return std::unexpected(fmt::format("{}: cannot seek: {}", options.path.string(), std::strerror(errno)));
  }
  if (options.fsync && sync_parent_dir(options.path) != 0)
    log::warning("audit: {}: cannot fsync its directory", options.path.string());
  return std::unique_ptr<log_writer>(
      new log_writer(std::move(options), std::move(*start), file->fd, static_cast<std::uint64_t>(size)));
}

log_writer::log_writer(writer_options options, chain_position start, int fd, std::uint64_t size)
    : options_(std::move(options)), published_(start), position_(std::move(start)), fd_(fd), size_(size) {
  thread_ = std::thread([this] { run(); });
}

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
  error_code refused;
  {
    std::unique_lock lock(mutex_);
    auto full = [&] { return pending_records_ > 0 && pending_records_ + n > options_.max_pending; };
    if (wait_for_space) space_.wait(lock, [&] { return closing_ || broken_ || !full(); });
    if (closing_) refused = errc::shutting_down;
    else if (broken_) refused = broken_;
    else if (full()) refused = boost::asio::error::no_buffer_space;
    else {
      pending_records_ += n;
      queue_.push_back(std::move(r));
    }
  }
  if (refused) {
    if (r.done) r.done(refused);
    return;
  }
  wake_.notify_one();
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
  for (;;) {
    std::vector<request> batch;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] { return closing_ || !queue_.empty(); });
      if (queue_.empty()) return;  // closing, and everything queued is written
      batch.reserve(queue_.size());
      for (auto& r : queue_) batch.push_back(std::move(r));
      queue_.clear();
      pending_records_ = 0;
    }
    space_.notify_all();

    const error_code ec = commit(batch);
    for (auto& r : batch)
      if (!r.rotate && r.done) r.done(ec);
    if (!ec && options_.max_bytes > 0 && size_ >= options_.max_bytes) {
      if (auto rec = rotate_now()) log::error("audit: {}: rotation failed: {}", options_.path.string(), rec.message());
    }
    for (auto& r : batch)
      if (r.rotate) {
        const error_code rec = ec ? ec : rotate_now();
        if (r.done) r.done(rec);
      }
  }
}

error_code log_writer::commit(std::vector<request>& batch) {
  std::size_t count = 0;
  for (const auto& r : batch) count += r.records.size();
  if (count == 0) return {};
  {
    std::lock_guard lock(mutex_);
    if (broken_) return broken_;
  }
  if (auto ec = ensure_open()) return ec;

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
    // Roll back a partial write so the file still ends with a whole record.
    if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) fail(errc::io_failure);
    return errc::io_failure;
  }
  if (options_.fsync && ::fdatasync(fd_) != 0) {
    // After a failed fsync the kernel may have dropped the dirty pages: nothing is known any more.
    log::error("audit: {}: fdatasync failed: {}; refusing further records until restart", options_.path.string(),
               std::strerror(errno));
    fail(errc::io_failure);
    return errc::io_failure;
  }
  size_ += buffer.size();
  position_ = std::move(next);
  std::lock_guard lock(mutex_);
  published_ = position_;
  return {};
}

error_code log_writer::ensure_open() {
  if (fd_ >= 0) return {};
  auto file = open_live_file(options_.path);
  if (!file) {
    log::error("audit: {}", file.error());
    return errc::io_failure;
  }
  fd_ = file->fd;
  size_ = file->size;
  if (options_.fsync && sync_parent_dir(options_.path) != 0)
    log::warning("audit: {}: cannot fsync its directory", options_.path.string());
  return {};
}

error_code log_writer::rotate_now() {
  if (fd_ >= 0 && size_ == 0) return {};  // nothing to rotate
  if (fd_ < 0) return ensure_open();      // a previous rotation renamed the file but could not reopen
  const auto target = rotated_path(options_.path, std::chrono::system_clock::now(), position_.seq);
  std::error_code ec;
  if (std::filesystem::exists(target, ec)) {
    log::error("audit: cannot rotate {}: {} exists", options_.path.string(), target.string());
    return errc::io_failure;
  }
  std::filesystem::rename(options_.path, target, ec);
  if (ec) {
    log::error("audit: cannot rotate {}: {}", options_.path.string(), ec.message());
    return errc::io_failure;
  }
  ::close(fd_);
  fd_ = -1;
  size_ = 0;
  log::info("audit: rotated {} to {} (last seq {})", options_.path.string(), target.string(), position_.seq);
  return ensure_open();
}

void log_writer::fail(error_code ec) {
  std::lock_guard lock(mutex_);
  if (!broken_) broken_ = ec;
}

}  // namespace kizuna::audit
