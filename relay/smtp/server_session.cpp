#include "relay/smtp/server_session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <algorithm>
#include <atomic>
#include <ctime>
#include <optional>

#include "relay/core/errc.hpp"
#include "relay/core/log.hpp"
#include "relay/core/transaction_id.hpp"
#include "relay/metrics/recorder.hpp"
#include "relay/smtp/command_parser.hpp"
#include "relay/smtp/data_assembler.hpp"
#include "relay/smtp/deadline.hpp"
#include "relay/smtp/line_framer.hpp"
#include "relay/smtp/read_deadline.hpp"
#include "relay/smtp/sasl.hpp"
#include "relay/smtp/trace_header.hpp"

namespace kizuna::smtp {
namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto tuple_awaitable = asio::as_tuple(asio::use_awaitable);
// The 421 after a timeout is a courtesy: a client that does not take it this
// quickly is closed anyway (its own deadline has already passed).
constexpr auto last_reply_timeout = std::chrono::seconds(2);

namespace {

// RFC 5322 date-time in UTC, for the Received header.
std::string rfc5322_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buf;
}

// A client-chosen name (the AUTH user) in a log line: printable ASCII only, bounded.
std::string log_safe(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 64)) {
    auto u = static_cast<unsigned char>(c);
    out.push_back(u > 0x20 && u < 0x7f ? c : '?');
  }
  return out;
}

// crypt(3) is slow on purpose (yescrypt, SHA-crypt rounds: milliseconds to tens of
// ms), so AUTH verification runs here rather than stalling an I/O thread. Process-wide
// and small: the error limit bounds how many guesses one session can make.
asio::thread_pool& hashing_pool() {
  static asio::thread_pool pool(2);
  return pool;
}

}  // namespace

class server_session::impl {
 public:
  impl(socket_type socket, session_settings settings, std::shared_ptr<transaction_handler> handler)
      : socket_(std::move(socket)),
        deadline_(socket_.get_executor()),
        settings_(std::move(settings)),
        handler_(std::move(handler)),
        protocol_(settings_.protocol),
        framer_(max_command_line - 2) {}

  asio::awaitable<void> run() {
    // A refused client may read the 554 and say QUIT; it cannot make its stay longer.
    if (settings_.protocol.refused()) end_of_grace_ = read_clock::now() + settings_.refused_grace;
    co_await (serve() && deadline_.watch([this] {
      error_code ignored;
      socket_.cancel(ignored);
    }));
  }

  void request_stop() {
    stopping_ = true;
    if (idle_) {
      error_code ignored;
      socket_.cancel(ignored);
    }
  }

  void abort() {
    stopping_ = true;
    error_code ignored;
    socket_.close(ignored);
  }

 private:
  asio::awaitable<void> serve() {
    co_await converse();
    if (tls_up_ && socket_.is_open()) {
      // close_notify; the peer's answer is awaited briefly (most clients just close).
      deadline_.expires_after(std::chrono::seconds(2));
      co_await tls_->async_shutdown(tuple_awaitable);
    }
    deadline_.stop();
    error_code ignored;
    socket_.shutdown(socket_type::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::awaitable<void> converse() {
    out_ = protocol_.greeting();
    if (!co_await flush()) co_return;
    bool line_done = true;  // the next line's clock has not started yet
    while (true) {
      while (auto line = framer_.next()) {
        line_done = true;
        if (stopping_) {
          out_ += replies::shutting_down().wire();
          co_await flush();
          co_return;
        }
        auto r = protocol_.on_line(*line);
        if (r.next == server_protocol::action::authenticate) r = co_await authenticate();
        if (r.next == server_protocol::action::check_recipient) r = co_await check_recipient();
        // RFC 4954 §4: a SASL response line may be far longer than a command.
        framer_.set_max_line(protocol_.in_sasl_exchange() ? max_sasl_line : max_command_line - 2);
        out_ += r.wire;
        if (r.next == server_protocol::action::close) {
          co_await flush();
          co_return;
        }
        if (r.next == server_protocol::action::start_tls) {
          if (!co_await start_tls()) co_return;
          break;  // the framer was emptied: read what the client says over TLS
        }
        if (r.next == server_protocol::action::start_data) {
          if (!co_await flush() || !co_await receive_message()) co_return;
          if (closing_) {
            co_await flush();
            co_return;
          }
        }
      }
      // Input exhausted: answer the whole pipelined batch in one write (RFC 2920).
      if (!out_.empty() && !co_await flush()) co_return;
      if (stopping_) {
        out_ = replies::shutting_down().wire();
        co_await flush();
        co_return;
      }
      // One deadline per command line, from when we start waiting for it:
      // reads of a partial line do not move it (slow-drip clients).
      if (line_done) {
        line_deadline_ = read_clock::now() + settings_.command_timeout;
        line_done = false;
      }
      idle_ = true;
      const bool got = co_await fill(line_deadline_) > 0;
      idle_ = false;
      if (!got) {
        if (deadline_.expired()) {
          log::info("{}: {}", settings_.client_address,
                    settings_.protocol.refused() ? "refused client's grace is over, closing"
                                                 : "command timeout, closing");
          co_await last_reply(replies::timeout());
        } else if (stopping_) {
          out_ = replies::shutting_down().wire();
          co_await flush();
        }
        // else: the peer closed or the socket failed: nothing to say
        co_return;
      }
    }
  }

  // Reads the message after 354, delivers it, queues the reply (or replies under LMTP).
  // false: the connection is gone; nothing was acknowledged.
  asio::awaitable<bool> receive_message() {
    envelope& env = protocol_.current();
    env.client_address = settings_.client_address;
    data_assembler data(protocol_.settings().max_message_bytes, env.params.size.value_or(0), settings_.bare_newline);
    framer_.set_max_line(settings_.max_line_bytes);
    data_deadline until(settings_.data_timeout, settings_.min_data_rate, read_clock::now());
    bool done = false;
    while (!done) {
      for (;;) {
        data.feed_plain_lines(framer_.take_plain_lines());
        auto line = framer_.next();
        if (!line) break;
        if (data.feed(*line) == data_assembler::status::done) {
          done = true;
          break;
        }
      }
      if (done) break;
      const std::size_t n = co_await fill(until.at());
      if (n == 0) {
        if (deadline_.expired()) {
          log::info("{} {}: DATA timeout (stalled, or slower than {} bytes/s), nothing accepted", env.id,
                    settings_.client_address, settings_.min_data_rate);
          co_await last_reply(replies::timeout());
        } else {
          log::info("{} {}: connection lost during DATA, nothing accepted", env.id, settings_.client_address);
        }
        co_return false;
      }
      until.received(n, read_clock::now());
    }
    framer_.set_max_line(max_command_line - 2);

    if (data.too_large() || data.had_long_line() || data.refused_bare()) {
      const reply r = data.too_large()       ? replies::message_too_large()
                      : data.had_long_line() ? reply{552, "5.3.4", "message line longer than limit"}
                                             : reply{554, "5.6.0", "bare CR, bare LF or NUL in message refused"};
      log::info("{} {}: refused: {}", env.id, settings_.client_address, r.text);
      auto resp = protocol_.note_error(r);
      out_ += resp.wire;
      closing_ = resp.next == server_protocol::action::close;
      protocol_.end_transaction();
      co_return true;
    }

    auto message = std::make_shared<const std::string>(data.take());
    if (auto* m = metrics::this_thread()) {
      m->cells->inc(m->ids->messages_received, {settings_.listener_slot});
      m->cells->observe(m->ids->message_size, {}, static_cast<double>(message->size()));
    }
    env.trace_header = received_header(env);
    // Delivery has its own downstream deadlines; the client just waits.
    arm(read_clock::now() + std::chrono::hours(24));
    delivery_outcome outcome = co_await txn_->deliver(env, message);
    txn_.reset();
    if (env.lmtp) {
      for (const reply& r : outcome.per_recipient) out_ += r.wire();
    } else {
      out_ += outcome.summary.wire();
    }
    log::info("{} {}: from=<{}> nrcpt={} size={} reply=\"{} {}\"", env.id, settings_.client_address,
              env.mail_from, env.recipients.size(), message->size(), outcome.summary.code,
              outcome.summary.text);
    protocol_.end_transaction();
    co_return true;
  }

  // After "220 Ready to start TLS": drop what was pipelined behind STARTTLS, then
  // the handshake. false: no TLS, so the connection is closed without a word.
  // The delivery stage's verdict on one RCPT (policy, opt-out: SPEC §8 "decided
  // at RCPT"). A new MAIL starts a new delivery transaction and transaction id.
  asio::awaitable<server_protocol::response> check_recipient() {
    envelope& env = protocol_.current();
    if (!txn_ || txn_serial_ != protocol_.transaction_serial()) {
      env.id = make_transaction_id();
      env.client_address = settings_.client_address;
      env.fixed_category = settings_.category;
      txn_ = handler_->begin(env);
      txn_serial_ = protocol_.transaction_serial();
    }
    // The lookup has its own Redis deadline; the client just waits for the reply.
    arm(read_clock::now() + std::chrono::hours(1));
    const reply verdict = co_await txn_->check_recipient(env, protocol_.pending_recipient());
    co_return protocol_.recipient_checked(verdict);
  }

  asio::awaitable<bool> start_tls() {
    if (!co_await flush()) co_return false;
    // CVE-2011-0411: anything sent before the handshake must not be read as if
    // it came over TLS.
    if (framer_.buffered() > 0)
      log::warning("{}: discarded {} bytes sent after STARTTLS before the TLS handshake", settings_.client_address,
                   framer_.buffered());
    framer_ = line_framer(max_command_line - 2);
    tls_.emplace(socket_, *settings_.tls);
    arm(read_clock::now() + settings_.command_timeout);
    auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::server, tuple_awaitable);
    if (ec) {
      log::info("{}: TLS handshake failed: {}", settings_.client_address,
                deadline_.expired() ? std::string("timeout") : ec.message());
      co_return false;
    }
    tls_up_ = true;
    protocol_.tls_started();
    log::info("{}: TLS established: {}", settings_.client_address, tls_description(tls_->native_handle()));
    co_return true;
  }

  // Checks the credentials the protocol collected, off the I/O thread.
  asio::awaitable<server_protocol::response> authenticate() {
    const sasl_credentials& c = protocol_.credentials();
    const std::string user = c.user;
    bool ok = false;
    if (settings_.users) {
      arm(read_clock::now() + settings_.command_timeout);
      // A named local, not a temporary inside co_await: GCC 12 destroys such
      // temporaries twice in a coroutine (the closure owns strings).
      auto check = [users = settings_.users, user, password = c.password]() mutable -> asio::awaitable<bool> {
        const bool verified = users->verify(user, password);
        wipe(password);
        co_return verified;
      };
      ok = co_await asio::co_spawn(hashing_pool(), std::move(check), asio::use_awaitable);
    }
    auto r = protocol_.auth_finished(ok);
    if (ok) log::info("{}: authenticated as {}", settings_.client_address, log_safe(user));
    else log::warning("{}: authentication failed for user {}", settings_.client_address, log_safe(user));
    co_return r;
  }

  std::string received_header(const envelope& env) const {
    return smtp::received_header(env, protocol_.settings().hostname, rfc5322_now());
  }

  // Reads what is there by `until` (an absolute time, see read_deadline.hpp).
  // 0: the peer closed, the socket failed or the deadline passed.
  asio::awaitable<std::size_t> fill(read_clock::time_point until) {
    auto space = framer_.prepare(16 * 1024);
    arm(until);
    error_code ec;
    std::size_t n = 0;
    if (tls_up_)
      std::tie(ec, n) = co_await tls_->async_read_some(asio::buffer(space.data(), space.size()), tuple_awaitable);
    else
      std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(space.data(), space.size()), tuple_awaitable);
    if (ec) co_return 0;
    framer_.commit(n);
    co_return n;
  }

  // Moves the watchdog, never past a refused client's grace.
  void arm(read_clock::time_point t) { deadline_.set(std::min(t, end_of_grace_)); }

  asio::awaitable<bool> flush() {
    arm(read_clock::now() + settings_.command_timeout);
    co_return co_await write_out();
  }

  // The last reply after the session's own deadline passed: a short bound of its own.
  asio::awaitable<void> last_reply(const reply& r) {
    out_ = r.wire();
    deadline_.expires_after(last_reply_timeout);
    co_await write_out();
  }

  asio::awaitable<bool> write_out() {
    if (out_.empty()) co_return true;
    error_code ec;
    if (tls_up_)
      std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, asio::buffer(out_), tuple_awaitable);
    else
      std::tie(ec, std::ignore) = co_await asio::async_write(socket_, asio::buffer(out_), tuple_awaitable);
    out_.clear();
    co_return !ec;
  }

  socket_type socket_;
  std::optional<asio::ssl::stream<socket_type&>> tls_;  // engaged at STARTTLS
  bool tls_up_ = false;                                // handshake done: I/O goes through tls_
  deadline deadline_;
  read_clock::time_point line_deadline_;                             // the command line being read
  read_clock::time_point end_of_grace_ = read_clock::time_point::max();  // refused clients only
  session_settings settings_;
  std::shared_ptr<transaction_handler> handler_;
  std::unique_ptr<transaction> txn_;  // from the first RCPT to the reply after DATA
  uint64_t txn_serial_ = 0;
  server_protocol protocol_;
  line_framer framer_;
  std::string out_;
  bool idle_ = false;
  bool stopping_ = false;
  bool closing_ = false;
};

server_session::server_session(socket_type socket, session_settings settings,
                               std::shared_ptr<transaction_handler> handler)
    : impl_(std::make_unique<impl>(std::move(socket), std::move(settings), std::move(handler))) {}

server_session::~server_session() = default;
asio::awaitable<void> server_session::run() { return impl_->run(); }
void server_session::request_stop() { impl_->request_stop(); }
void server_session::abort() { impl_->abort(); }

}  // namespace kizuna::smtp
