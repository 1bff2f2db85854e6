// Design: one connection object per socket (a new one after every failure),
// driven by two coroutines on the client's executor:
//   - run(): connects (bounded by options.timeout), then reads: feeds the
//     RESP decoder and hands each reply to the oldest in-flight request;
//   - write_loop(): sleeps on a timer until requests are queued, then writes
//     every queued request in one gather write (callers share round trips).
// A caller waits on its request's own steady_timer, whose expiry is the
// caller's deadline and whose cancel() is the completion signal:
//   - done set before cancel() -> result (replies or error) is in the request;
//   - timer expired, not done  -> timeout: the connection is failed (replies
//     could now be out of step) and every other request gets the error;
//   - wait aborted, not done   -> the caller was cancelled: the request is
//     marked done so the writer skips it or the reader discards its replies.
// fail() closes the socket and completes every queued and in-flight request,
// so no waiter can hang on a dead connection. Everything runs on one thread:
// no locks; the coroutines own the connection through a shared_ptr so the
// client may be destroyed while they unwind.
#include "relay/store/redis_client.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <exception>
#include <string_view>
#include <tuple>

#include "relay/core/log.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/store/resp.hpp"

namespace kizuna::store {
namespace {

namespace asio = boost::asio;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t read_chunk = 64 * 1024;                // bytes per read from the socket
constexpr std::size_t max_retained_write_buffer = 1 << 20;  // shrink the join buffer past this

struct request {
  explicit request(const asio::any_io_executor& ex) : signal(ex) {}
  std::string bytes;             // encoded commands
  std::size_t expected = 0;      // replies owed
  std::size_t received = 0;      // replies read so far
  std::vector<redis_value> replies;
  error_code ec;
  bool done = false;     // result final, or nobody wants it any more
  bool is_auth = false;  // internal AUTH, sent first on a new connection
  asio::steady_timer signal;  // expiry: caller's deadline; cancel(): completed
};
using request_ptr = std::shared_ptr<request>;

void complete(request& r, error_code ec) {
  if (r.done) return;
  r.done = true;
  r.ec = ec;
  r.signal.cancel();
}

// Shared by a client's successive connections, so an outage is logged once
// and the recovery once, not once per failed call.
struct health {
  bool down = false;
};

auto log_end(const char* what) {
  return [what](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log::error("[redis] {} ended by exception: {}", what, x.what());
    }
  };
}

class connection {
 public:
  connection(const asio::any_io_executor& ex, const redis_options& options, std::shared_ptr<health> h)
      : executor_(ex),
        options_(options),
        health_(std::move(h)),
        socket_(ex),
        resolver_(ex),
        wake_writer_(ex),
        decoder_(options.max_reply_bytes),
        read_buf_(std::make_unique<std::array<char, read_chunk>>()) {
    if (!options_.password.empty()) {
      auto auth = std::make_shared<request>(ex);
      auth->is_auth = true;
      auth->expected = 1;
      resp::append_command(auth->bytes, {"AUTH", options_.password});
      unsent_.push_back(std::move(auth));
    }
  }

  static void start(const std::shared_ptr<connection>& self) {
    asio::co_spawn(self->executor_, self->run(self), log_end("connection"));
  }

  bool closed() const { return closed_; }

  void enqueue(request_ptr r) {
    if (closed_) return complete(*r, errc::redis_unavailable);
    unsent_.push_back(std::move(r));
    wake_writer_.cancel();
  }

  // Closes the connection and completes every request on it with `ec`.
  void fail(error_code ec, std::string_view why) {
    if (closed_) return;
    closed_ = true;
    error_code ignored;
    resolver_.cancel();
    socket_.close(ignored);
    wake_writer_.cancel();
    auto in_flight = std::move(in_flight_);
    auto unsent = std::move(unsent_);
    in_flight_.clear();
    unsent_.clear();
    std::size_t waiting = 0;
    for (const auto& r : in_flight) waiting += !r->done && !r->is_auth;
    for (const auto& r : unsent) waiting += !r->done && !r->is_auth;
    if (ec == errc::shutting_down) {
      log::debug("[redis] {}: closed ({} waiting request(s) failed)", options_.address.to_string(), waiting);
    } else if (!health_->down) {
      health_->down = true;
      log::warning("[redis] {}: {}; {} waiting request(s) failed",
                   options_.address.to_string(), why, waiting);
    }
    for (const auto& r : in_flight) complete(*r, ec);
    for (const auto& r : unsent) complete(*r, ec);
  }

 private:
  asio::awaitable<error_code> connect() {
    const endpoint& to = options_.address;
    if (to.type == endpoint::kind::unix_socket) {
      asio::local::stream_protocol::endpoint ep(to.path);
      auto [ec] = co_await socket_.async_connect(asio::generic::stream_protocol::endpoint(ep), use_tuple);
      co_return ec;
    }
    auto [rec, results] = co_await resolver_.async_resolve(to.host, std::to_string(to.port), use_tuple);
    if (rec) co_return rec;
    error_code ec = asio::error::host_not_found;
    for (const auto& entry : results) {
      if (closed_) co_return asio::error::operation_aborted;
      error_code ignored;
      socket_.close(ignored);
      std::tie(ec) =
          co_await socket_.async_connect(asio::generic::stream_protocol::endpoint(entry.endpoint()), use_tuple);
      if (!ec) {
        // Requests are small and latency-bound: never wait for Nagle.
        socket_.set_option(asio::ip::tcp::no_delay(true), ec);
        co_return ec;
      }
    }
    co_return ec;
  }

  asio::awaitable<void> run(std::shared_ptr<connection> self) {
    // Callers' deadlines bound the connect too; this one covers a connect
    // whose callers have all been cancelled.
    asio::steady_timer deadline(executor_);
    deadline.expires_after(options_.timeout);
    deadline.async_wait([self](error_code ec) {
      if (!ec && !self->connected_) self->fail(errc::timeout, "connect timed out");
    });
    error_code ec = co_await connect();
    deadline.cancel();
    if (closed_) co_return;
    if (ec) {
      fail(errc::redis_unavailable, fmt::format("cannot connect: {}", ec.message()));
      co_return;
    }
    connected_ = true;
    if (health_->down) {
      health_->down = false;
      log::info("[redis] {}: connected", options_.address.to_string());
    }
    asio::co_spawn(executor_, write_loop(self), log_end("writer"));
    co_await read_loop();
  }

  asio::awaitable<void> write_loop([[maybe_unused]] std::shared_ptr<connection> self) {  // self: keeps *this alive
    std::vector<request_ptr> batch;  // keeps the written bytes alive during the write
    std::string joined;              // several requests: one contiguous write, one syscall
    while (!closed_) {
      if (unsent_.empty()) {
        wake_writer_.expires_at(asio::steady_timer::time_point::max());
        co_await wake_writer_.async_wait(use_tuple);
        continue;
      }
      batch.clear();
      joined.clear();
      while (!unsent_.empty()) {
        request_ptr r = std::move(unsent_.front());
        unsent_.pop_front();
        if (r->done) continue;  // caller gone before the write: nothing owed
        in_flight_.push_back(r);
        batch.push_back(std::move(r));
      }
      if (batch.empty()) continue;
      asio::const_buffer out = asio::buffer(batch.front()->bytes);
      if (batch.size() > 1) {
        for (const auto& r : batch) joined += r->bytes;
        out = asio::buffer(joined);
      }
      // No deadline of its own: every request in the batch has a caller whose
      // deadline fails the connection, which aborts this write.
      auto [ec, n] = co_await asio::async_write(socket_, out, use_tuple);
      if (ec) {
        fail(errc::redis_unavailable, fmt::format("write failed: {}", ec.message()));
        co_return;
      }
      if (joined.capacity() > max_retained_write_buffer) std::string().swap(joined);
    }
  }

  // Idle reads wait without a deadline (there is nothing to time out); while a
  // reply is owed, its caller's deadline bounds the read.
  asio::awaitable<void> read_loop() {
    while (!closed_) {
      auto [ec, n] = co_await socket_.async_read_some(asio::buffer(*read_buf_), use_tuple);
      if (closed_) co_return;
      if (ec) {
        fail(errc::redis_unavailable,
             ec == asio::error::eof ? std::string("connection closed by redis") : ec.message());
        co_return;
      }
      if (auto fe = decoder_.feed(read_buf_->data(), n)) {
        fail(fe, decoder_.error_text());
        co_return;
      }
      for (;;) {
        auto next = decoder_.next();
        if (!next) {
          fail(next.error(), decoder_.error_text());
          co_return;
        }
        if (!*next) break;
        if (!deliver(std::move(**next))) co_return;
      }
    }
  }

  // Hands a reply to the oldest in-flight request. False if the connection failed.
  bool deliver(redis_value v) {
    if (in_flight_.empty()) {
      fail(errc::redis_error, "reply without a request");
      return false;
    }
    request& r = *in_flight_.front();
    if (r.is_auth) {
      in_flight_.pop_front();
      if (v.is_error()) {
        fail(errc::redis_error, fmt::format("AUTH refused: {}", v.str));
        return false;
      }
      return true;
    }
    if (!r.done) r.replies.push_back(std::move(v));
    if (++r.received == r.expected) {
      request_ptr finished = std::move(in_flight_.front());
      in_flight_.pop_front();
      complete(*finished, {});
    }
    return true;
  }

  asio::any_io_executor executor_;
  redis_options options_;
  std::shared_ptr<health> health_;
  asio::generic::stream_protocol::socket socket_;
  asio::ip::tcp::resolver resolver_;
  asio::steady_timer wake_writer_;
  std::deque<request_ptr> unsent_;     // queued, not yet written
  std::deque<request_ptr> in_flight_;  // written, replies owed (FIFO)
  resp::decoder decoder_;
  std::unique_ptr<std::array<char, read_chunk>> read_buf_;
  bool connected_ = false;
  bool closed_ = false;
};

// kizuna_redis_command_duration_seconds and kizuna_redis_errors_total, on the
// calling thread's shard: the duration of a call that got its replies, the
// kind of a failure (a cancelled caller or a closing client is no Redis failure),
// and each error reply inside a successful result.
void count_call(const std::expected<std::vector<redis_value>, error_code>& result,
                std::chrono::steady_clock::time_point started) {
  const metrics::recorder* m = metrics::this_thread();
  if (!m) return;
  auto count = [m](metrics::redis_error kind) { m->cells->inc(m->ids->redis_errors, {metrics::index(kind)}); };
  if (!result) {
    const error_code ec = result.error();
    if (ec == errc::timeout) count(metrics::redis_error::timeout);
    else if (ec == errc::redis_unavailable) count(metrics::redis_error::unavailable);
    else if (ec == errc::redis_error) count(metrics::redis_error::protocol);
    return;
  }
  m->cells->observe(m->ids->redis_command_duration, {}, std::chrono::steady_clock::now() - started);
  for (const auto& v : *result)
    if (v.is_error()) count(metrics::redis_error::error_reply);
}

}  // namespace

struct redis_client::impl {
  asio::any_io_executor executor;
  redis_options options;
  std::shared_ptr<health> status = std::make_shared<health>();
  std::shared_ptr<connection> conn;
  bool closed = false;

  // The live connection, or a new one (lazy connect, reconnect after failure).
  std::shared_ptr<connection> usable_connection() {
    if (!conn || conn->closed()) {
      conn = std::make_shared<connection>(executor, options, status);
      connection::start(conn);
    }
    return conn;
  }
};

redis_client::redis_client(boost::asio::any_io_executor executor, redis_options options)
    : impl_(std::make_unique<impl>()) {
  impl_->executor = std::move(executor);
  impl_->options = std::move(options);
}

redis_client::~redis_client() { close(); }

boost::asio::awaitable<std::expected<std::vector<redis_value>, error_code>> redis_client::pipeline(
    std::vector<redis_command> commands) {
  using result = std::expected<std::vector<redis_value>, error_code>;
  if (impl_->closed) co_return result(std::unexpect, errc::shutting_down);
  if (commands.empty()) co_return result{};
  auto req = std::make_shared<request>(impl_->executor);
  req->expected = commands.size();
  for (const auto& cmd : commands)
    if (!resp::append_command(req->bytes, cmd)) co_return result(std::unexpect, errc::redis_error);
  req->replies.reserve(commands.size());
  const auto timeout = impl_->options.timeout;
  req->signal.expires_after(timeout);
  const auto started = std::chrono::steady_clock::now();

  std::shared_ptr<connection> conn = impl_->usable_connection();
  conn->enqueue(req);
  error_code wait_ec;
  if (!req->done) std::tie(wait_ec) = co_await req->signal.async_wait(use_tuple);
  // Only locals from here on: the client may have been closed meanwhile.
  result out;
  if (req->done) {
    out = req->ec ? result(std::unexpect, req->ec) : result(std::move(req->replies));
  } else {
    req->done = true;  // abandoned: the writer skips it, the reader discards its replies
    if (wait_ec) co_return result(std::unexpect, wait_ec);  // the caller was cancelled
    conn->fail(errc::timeout, fmt::format("no reply within {} ms", timeout.count()));
    out = result(std::unexpect, errc::timeout);
  }
  count_call(out, started);
  co_return std::move(out);
}

boost::asio::awaitable<std::expected<redis_value, error_code>> redis_client::command(redis_command cmd) {
  std::vector<redis_command> one;
  one.push_back(std::move(cmd));
  auto replies = co_await pipeline(std::move(one));
  if (!replies) co_return std::unexpected(replies.error());
  co_return std::move(replies->front());
}

void redis_client::close() {
  if (!impl_) return;
  impl_->closed = true;
  if (impl_->conn) impl_->conn->fail(errc::shutting_down, "client closed");
  impl_->conn.reset();
}

}  // namespace kizuna::store
