#include "relay/smtp/client.hpp"

#include <sys/socket.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>

#include "relay/core/log.hpp"
#include "relay/smtp/reply_parser.hpp"
#include "relay/smtp/sasl.hpp"

namespace kizuna::smtp {
namespace asio = boost::asio;
using asio::use_awaitable;
using asio::ip::tcp;
constexpr auto tuple_awaitable = asio::as_tuple(use_awaitable);

namespace {

// Whether the concatenated buffers end in CRLF (or are empty: then "." alone
// follows the DATA reply's CRLF).
bool ends_with_crlf(std::span<const asio::const_buffer> buffers) {
  char last[2] = {0, 0};
  std::size_t seen = 0;
  for (auto it = buffers.rbegin(); it != buffers.rend() && seen < 2; ++it)
    for (std::size_t k = it->size(); k-- > 0 && seen < 2;) last[1 - seen++] = static_cast<const char*>(it->data())[k];
  return seen == 0 || (seen == 2 && last[0] == '\r' && last[1] == '\n');
}

reply connection_lost(const error_code& ec) {
  return {451, "4.4.2", "downstream connection failed: " + ec.message()};
}

// RFC 3463 X.7.5: cryptographic failure (no TLS where TLS is required, or a failed handshake).
reply tls_failure(std::string_view why) { return {451, "4.7.5", fmt::format("downstream TLS: {}", why)}; }

error_code refusal_error(const reply& r) {
  return make_error_code(r.transient() ? errc::downstream_tempfail : errc::downstream_permfail);
}

}  // namespace

client_connection::client_connection(asio::any_io_executor ex) : socket_(ex), deadline_(ex) {}

client_connection::~client_connection() { close(); }

void client_connection::close() {
  open_ = false;
  tls_up_ = false;
  deadline_.stop();
  error_code ignored;
  socket_.close(ignored);
}

asio::awaitable<error_code> client_connection::open(const client_settings& s, reply& refusal) {
  settings_ = s;
  // The watchdog owns a reference so the connection outlives its timer wait.
  asio::co_spawn(
      socket_.get_executor(),
      [self = shared_from_this()]() -> asio::awaitable<void> {
        co_await self->deadline_.watch([raw = self.get()] {
          error_code ignored;
          raw->socket_.cancel(ignored);
        });
      },
      asio::detached);

  deadline_.expires_after(s.connect_timeout);
  tcp::resolver resolver(socket_.get_executor());
  auto [rec, endpoints] = co_await resolver.async_resolve(s.host, std::to_string(s.port), tuple_awaitable);
  if (rec) {
    close();
    co_return make_error_code(errc::downstream_unavailable);
  }
  auto [cec, ep] = co_await asio::async_connect(socket_, endpoints, tuple_awaitable);
  if (cec) {
    close();
    co_return deadline_.expired() ? make_error_code(errc::timeout) : make_error_code(errc::downstream_unavailable);
  }
  socket_.set_option(tcp::no_delay(true));
  open_ = true;

  error_code ec;
  if (s.tls == tls_policy::implicit) {
    ec = co_await handshake(refusal);
    if (ec) co_return ec;
  }
  ec = co_await read_reply(refusal, nullptr, s.connect_timeout);
  if (ec) co_return ec;
  if (refusal.code != 220) {
    close();
    co_return refusal_error(refusal);
  }
  ec = co_await hello(refusal);
  if (ec) co_return ec;
  if ((s.tls == tls_policy::opportunistic || s.tls == tls_policy::required) && !tls_up_) {
    if (caps_.starttls) {
      ec = co_await starttls(refusal);
      if (ec) co_return ec;
    } else if (s.tls == tls_policy::required) {
      refusal = tls_failure("STARTTLS is required but not offered");
      co_return co_await refuse(refusal);
    }
  }
  if (s.credentials) {
    ec = co_await authenticate(refusal);
    if (ec) co_return ec;
  }
  idle_since_ = std::chrono::steady_clock::now();
  co_return error_code{};
}

// The pool logs the refusal with the copy it fails.
asio::awaitable<error_code> client_connection::refuse(const reply& refusal) {
  co_await quit();
  co_return refusal_error(refusal);
}

asio::awaitable<error_code> client_connection::handshake(reply& refusal) {
  tls_.emplace(socket_, *settings_.ssl_context);
  const bool verify = settings_.tls != tls_policy::opportunistic;
  if (!tls_client_prepare(tls_->native_handle(), settings_.host, verify)) {
    refusal = tls_failure("cannot set the server name to verify");
    close();
    co_return refusal_error(refusal);
  }
  deadline_.expires_after(settings_.connect_timeout);
  auto [ec] = co_await tls_->async_handshake(asio::ssl::stream_base::client, tuple_awaitable);
  if (ec) {
    std::string why = deadline_.expired() ? "handshake timed out" : "handshake failed: " + ec.message();
    if (auto v = tls_verify_error(tls_->native_handle()); !v.empty()) why = "certificate not trusted: " + v;
    refusal = tls_failure(why);
    close();
    co_return refusal_error(refusal);
  }
  tls_up_ = true;
  log::debug("downstream {}:{}: TLS established: {}", settings_.host, settings_.port,
             tls_description(tls_->native_handle()));
  co_return error_code{};
}

asio::awaitable<error_code> client_connection::starttls(reply& refusal) {
  static constexpr std::string_view cmd = "STARTTLS\r\n";
  asio::const_buffer b(cmd.data(), cmd.size());
  if (auto ec = co_await write({&b, 1}, settings_.connect_timeout)) co_return ec;
  reply r;
  if (auto ec = co_await read_reply(r, nullptr, settings_.connect_timeout)) co_return ec;
  if (r.code != 220) {
    if (settings_.tls == tls_policy::required) {
      refusal = tls_failure(fmt::format("STARTTLS refused: {} {}", r.code, r.text));
      co_return co_await refuse(refusal);
    }
    log::info("downstream {}:{}: STARTTLS refused ({} {}), continuing without TLS", settings_.host,
              settings_.port, r.code, r.text);
    co_return error_code{};
  }
  // Whatever came with the 220 was sent in the clear: it must not be read as if it came over TLS.
  if (rpos_ < rbuf_.size())
    log::warning("downstream {}:{}: discarded {} bytes sent after the 220 to STARTTLS", settings_.host,
                 settings_.port, rbuf_.size() - rpos_);
  rbuf_.clear();
  rpos_ = 0;
  if (auto ec = co_await handshake(refusal)) co_return ec;
  // RFC 3207 §4.2: forget what EHLO said before TLS and ask again.
  co_return co_await hello(refusal);
}

asio::awaitable<error_code> client_connection::authenticate(reply& refusal) {
  // Replies are built outside co_await expressions: GCC 12 mishandles temporaries there.
  if (!tls_up_) {
    refusal = {451, "4.7.0", "downstream AUTH not attempted: credentials go only over TLS"};
    co_return co_await refuse(refusal);
  }
  if (!caps_.auth_plain) {
    refusal = {451, "4.7.0", "downstream does not offer AUTH PLAIN"};
    co_return co_await refuse(refusal);
  }
  const auto& creds = *settings_.credentials;
  std::string cmd = "AUTH PLAIN " + plain_response(creds.user, creds.password) + "\r\n";
  asio::const_buffer b(cmd.data(), cmd.size());
  auto ec = co_await write({&b, 1}, settings_.connect_timeout);
  wipe(cmd);
  if (ec) co_return ec;
  reply r;
  ec = co_await read_reply(r, nullptr, settings_.connect_timeout);
  if (ec) co_return ec;
  if (r.code == 235) co_return error_code{};
  refusal = r.code == 334 ? reply{451, "4.7.0", "downstream asked for more than AUTH PLAIN sends"} : std::move(r);
  co_return co_await refuse(refusal);
}

asio::awaitable<error_code> client_connection::hello(reply& refusal) {
  std::string cmd = "EHLO " + settings_.helo_name + "\r\n";
  asio::const_buffer b(cmd.data(), cmd.size());
  auto ec = co_await write({&b, 1}, settings_.connect_timeout);
  if (ec) co_return ec;
  std::vector<std::string> lines;
  reply r;
  ec = co_await read_reply(r, &lines, settings_.connect_timeout);
  if (ec) co_return ec;
  if (r.code == 250) {
    caps_ = parse_ehlo(lines);
    co_return error_code{};
  }
  // EHLO refused: plain SMTP (RFC 5321 §3.2).
  cmd = "HELO " + settings_.helo_name + "\r\n";
  b = asio::const_buffer(cmd.data(), cmd.size());
  ec = co_await write({&b, 1}, settings_.connect_timeout);
  if (ec) co_return ec;
  ec = co_await read_reply(r, nullptr, settings_.connect_timeout);
  if (ec) co_return ec;
  if (r.code != 250) {
    refusal = r;
    close();
    co_return refusal_error(r);
  }
  caps_ = {};
  co_return error_code{};
}

asio::awaitable<error_code> client_connection::write(std::span<const asio::const_buffer> bufs,
                                                     std::chrono::seconds timeout) {
  deadline_.expires_after(timeout);
  error_code ec;
  if (tls_up_)
    std::tie(ec, std::ignore) = co_await asio::async_write(*tls_, bufs, tuple_awaitable);
  else
    std::tie(ec, std::ignore) = co_await asio::async_write(socket_, bufs, tuple_awaitable);
  if (ec) {
    broken_ = true;
    co_return deadline_.expired() ? make_error_code(errc::timeout) : ec;
  }
  co_return error_code{};
}

asio::awaitable<error_code> client_connection::read_reply(reply& out, std::vector<std::string>* lines,
                                                          std::chrono::seconds timeout) {
  deadline_.expires_after(timeout);
  while (true) {
    auto parsed = parse_reply(std::string_view(rbuf_).substr(rpos_));
    if (!parsed) {
      broken_ = true;
      co_return make_error_code(errc::protocol_violation);
    }
    if (*parsed) {
      auto& p = **parsed;
      rpos_ += p.consumed;
      if (rpos_ == rbuf_.size()) rbuf_.clear(), rpos_ = 0;
      out = std::move(p.value);
      if (lines) *lines = std::move(p.lines);
      co_return error_code{};
    }
    if (rpos_ > 0) {
      rbuf_.erase(0, rpos_);
      rpos_ = 0;
    }
    const std::size_t old = rbuf_.size();
    rbuf_.resize(old + 4096);
    error_code ec;
    std::size_t n = 0;
    if (tls_up_)
      std::tie(ec, n) = co_await tls_->async_read_some(asio::buffer(rbuf_.data() + old, 4096), tuple_awaitable);
    else
      std::tie(ec, n) = co_await socket_.async_read_some(asio::buffer(rbuf_.data() + old, 4096), tuple_awaitable);
    rbuf_.resize(old + n);
    if (ec) {
      broken_ = true;
      co_return deadline_.expired() ? make_error_code(errc::timeout) : ec;
    }
  }
}

std::string client_connection::mail_command(std::string_view from, const mail_parameters& p,
                                            uint64_t size) const {
  std::string cmd = "MAIL FROM:<";
  cmd.append(from).append(">");
  if (caps_.size) cmd += " SIZE=" + std::to_string(size);
  if (caps_.eight_bit_mime && p.body == body_type::eight_bit_mime) cmd += " BODY=8BITMIME";
  if (caps_.eight_bit_mime && p.body == body_type::seven_bit) cmd += " BODY=7BIT";
  if (caps_.smtputf8 && p.smtputf8) cmd += " SMTPUTF8";
  cmd += "\r\n";
  return cmd;
}

asio::awaitable<copy_result> client_connection::send(const copy_request& req) {
  copy_result result;
  const std::size_t n = req.recipients.size();
  uint64_t size = 0;
  for (auto& b : req.message) size += b.size();
  auto fail_all = [&](const reply& r) { result.per_recipient.assign(n, r); };

  if (req.params->smtputf8 && !caps_.smtputf8) {
    fail_all({554, "5.6.7", "downstream does not support SMTPUTF8"});
    co_return result;
  }
  if (caps_.max_size && size > caps_.max_size) {
    fail_all({552, "5.3.4", "message exceeds the downstream size limit"});
    co_return result;
  }

  // Commands: RSET (after an earlier transaction), MAIL, one RCPT each, DATA.
  std::vector<std::string> cmds;
  cmds.reserve(n + 3);
  if (used_) cmds.emplace_back("RSET\r\n");
  const bool had_rset = used_;
  used_ = true;
  cmds.push_back(mail_command(req.mail_from, *req.params, size));
  for (auto& r : req.recipients) cmds.push_back("RCPT TO:<" + r + ">\r\n");
  cmds.emplace_back("DATA\r\n");

  std::vector<reply> replies(cmds.size());
  auto lost = [&](error_code ec) {
    result.ec = ec;
    fail_all(connection_lost(ec));
    close();
  };
  // RFC 5321 §3.8: the server is closing (shutdown, idle timeout); it reads nothing more.
  auto closing = [&](const reply& r) {
    result.ec = make_error_code(errc::downstream_tempfail);
    fail_all(r);
    broken_ = true;
    close();
  };

  if (caps_.pipelining) {
    std::vector<asio::const_buffer> bufs;
    for (auto& c : cmds) bufs.emplace_back(c.data(), c.size());
    if (auto ec = co_await write(bufs, settings_.command_timeout)) { lost(ec); co_return result; }
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      if (auto ec = co_await read_reply(replies[i], nullptr, settings_.command_timeout)) { lost(ec); co_return result; }
      if (replies[i].code == 421) { closing(replies[i]); co_return result; }
    }
  } else {
    for (std::size_t i = 0; i < cmds.size(); ++i) {
      asio::const_buffer b(cmds[i].data(), cmds[i].size());
      if (auto ec = co_await write({&b, 1}, settings_.command_timeout)) { lost(ec); co_return result; }
      if (auto ec = co_await read_reply(replies[i], nullptr, settings_.command_timeout)) { lost(ec); co_return result; }
      if (replies[i].code == 421) { closing(replies[i]); co_return result; }
      const bool is_mail = i == (had_rset ? 1u : 0u);
      if (is_mail && !replies[i].positive()) {  // no point sending RCPT/DATA
        fail_all(replies[i]);
        co_return result;
      }
    }
  }

  std::size_t at = 0;
  if (had_rset) {
    if (replies[at].code != 250) {  // out of step: do not trust this connection
      broken_ = true;
      fail_all({451, "4.4.2", "downstream refused RSET"});
      co_return result;
    }
    ++at;
  }
  const reply& mail = replies[at++];
  result.per_recipient.resize(n);
  std::size_t accepted = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const reply& r = replies[at + i];
    if (!mail.positive()) result.per_recipient[i] = mail;
    else if (!r.positive()) result.per_recipient[i] = r;
    else ++accepted;
  }
  const reply& data = replies[at + n];

  if (data.code != 354) {
    for (std::size_t i = 0; i < n; ++i)
      if (result.per_recipient[i].code == 0) result.per_recipient[i] = data;
    co_return result;
  }
  // 354 although nothing was accepted (a non-conforming server): end it empty.
  // The end of data is CRLF "." CRLF: a message whose last line has no line end
  // gets one here (RFC 5321 §4.1.1.4), or the downstream would wait for it.
  if (accepted > 0 && req.before_final_dot && !co_await (*req.before_final_dot)()) {
    for (auto& r : result.per_recipient)
      if (r.code == 0) r = {451, "4.3.0", "cannot record the delivery now, try again later"};
    broken_ = true;
    close();
    co_return result;
  }
  static constexpr std::string_view crlf_dot = "\r\n.\r\n";
  std::vector<asio::const_buffer> body;
  if (accepted > 0) body.assign(req.message.begin(), req.message.end());
  const std::string_view dot = ends_with_crlf(body) ? crlf_dot.substr(2) : crlf_dot;
  body.emplace_back(dot.data(), dot.size());
  result.final_dot_started = true;  // from here the server may accept the copy whatever we see
  if (auto ec = co_await write(body, settings_.data_timeout)) { lost(ec); co_return result; }
  reply final_reply;
  if (auto ec = co_await read_reply(final_reply, nullptr, settings_.data_timeout)) { lost(ec); co_return result; }
  if (final_reply.code == 421) broken_ = true;  // its verdict on the copy, and the server closes
  for (std::size_t i = 0; i < n; ++i)
    if (result.per_recipient[i].code == 0) result.per_recipient[i] = final_reply;
  idle_since_ = std::chrono::steady_clock::now();
  co_return result;
}

idle_peek client_connection::check_idle() {
  if (!usable()) return idle_peek::closed;
  idle_peek p = idle_peek::unexpected_input;
  // Our own buffer and TLS's hold nothing while idle; then the socket itself.
  if (rpos_ == rbuf_.size() && !(tls_up_ && tls_input_pending(tls_->native_handle()))) {
    char byte;
    const ssize_t n = ::recv(socket_.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    p = classify_idle_peek(n, n < 0 ? errno : 0);
  }
  if (!reusable(p)) {
    broken_ = true;
    log::debug("downstream {}:{}: pooled connection not reused: {}", settings_.host, settings_.port, describe(p));
  }
  return p;
}

asio::awaitable<void> client_connection::quit() {
  if (usable()) {
    static constexpr std::string_view q = "QUIT\r\n";
    asio::const_buffer b(q.data(), q.size());
    if (!co_await write({&b, 1}, std::chrono::seconds(5))) {
      reply r;
      co_await read_reply(r, nullptr, std::chrono::seconds(5));
    }
  }
  close();
}

}  // namespace kizuna::smtp
