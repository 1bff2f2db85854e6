// Async SMTP client for the downstream leg: one connection, many transactions
// (RSET between them, pipelined with the next MAIL). RFC 5321 client rules,
// RFC 2920 PIPELINING (RSET+MAIL+RCPT+DATA in one write, message body and the
// final "." in one more: no Nagle/delayed-ACK stalls), RFC 1870 SIZE,
// RFC 6152 8BITMIME, RFC 6531 SMTPUTF8, RFC 3207 STARTTLS, RFC 4954 AUTH PLAIN.
//
// A server may close at any time, saying 421 first (RFC 5321 §3.8): a 421 to
// any command of the transaction ends the connection, and the copy reports it
// as lost (copy_result::ec) with the 421 as its reply; whether the final "."
// could have been sent by then is in copy_result::final_dot_started (the pool
// retries only before it: connection_reuse.hpp).
//
// Deadlines: connect_timeout for connect + TLS + greeting + EHLO + AUTH,
// command_timeout per reply, data_timeout for the reply after ".". Any timeout
// or I/O error makes the connection unusable; the transaction in flight reports
// a transient failure (its copy was not acknowledged, so the client will retry).
//
// TLS (tls_policy): opportunistic STARTTLS uses TLS when offered, unverified
// (Postfix "may"); required STARTTLS and implicit TLS verify the certificate
// chain and the host name, and refuse the connection otherwise with
// 451 4.7.5. After STARTTLS, anything the server sent behind its 220 is dropped
// and EHLO is repeated (its capabilities may differ). Credentials are sent only
// over TLS (else 451 4.7.0, nothing sent); a 535 ends the connection and is the
// reply of the copy that opened it. Credentials are never logged.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "relay/core/errc.hpp"
#include "relay/smtp/command.hpp"
#include "relay/smtp/client_credentials.hpp"
#include "relay/smtp/connection_reuse.hpp"
#include "relay/smtp/deadline.hpp"
#include "relay/smtp/ehlo_capabilities.hpp"
#include "relay/smtp/reply.hpp"
#include "relay/smtp/tls_context.hpp"

namespace kizuna::smtp {

enum class tls_policy {
  none,           // never
  opportunistic,  // STARTTLS when offered; certificate not verified
  required,       // STARTTLS must be offered and succeed; certificate verified
  implicit,       // TLS from connect (port 465); certificate verified
};

struct client_settings {
  std::string host;
  uint16_t port = 25;
  std::string helo_name;
  std::chrono::seconds connect_timeout{30};
  std::chrono::seconds command_timeout{60};
  std::chrono::seconds data_timeout{300};
  tls_policy tls = tls_policy::none;
  tls_context ssl_context;  // verifying for required/implicit (make_client_tls); null with none
  std::optional<client_credentials> credentials;  // AUTH PLAIN after TLS
};

// One downstream transaction. The message is sent as the concatenation of
// `message` buffers (trace header + content, already in wire form).
struct copy_request {
  std::string_view mail_from;
  const mail_parameters* params = nullptr;
  std::span<const std::string> recipients;
  std::span<const boost::asio::const_buffer> message;
  // Awaited after the 354, right before the body and final "." are written: false
  // abandons the copy (the connection is closed without the final ".", so the
  // server discards it) and every recipient gets 451 4.3.0.
  const std::function<boost::asio::awaitable<bool>()>* before_final_dot = nullptr;
};

struct copy_result {
  std::vector<reply> per_recipient;  // same order as request.recipients
  error_code ec;                     // the connection failed or the server closed it (421) during the transaction
  bool final_dot_started = false;    // the body + final "." write began: from here a retry could duplicate
};

class client_connection : public std::enable_shared_from_this<client_connection> {
 public:
  explicit client_connection(boost::asio::any_io_executor ex);
  ~client_connection();

  // Connects, reads the greeting, says EHLO (HELO if EHLO is refused).
  // On a refusal `refusal` holds the server's reply and errc::downstream_tempfail/permfail is returned.
  boost::asio::awaitable<error_code> open(const client_settings& s, reply& refusal);
  boost::asio::awaitable<copy_result> send(const copy_request& req);
  // Polite close: QUIT, read the 221 (bounded), close.
  boost::asio::awaitable<void> quit();
  void close();

  bool usable() const { return open_ && !broken_; }
  // Before reusing an idle connection: a non-blocking peek at the socket (and
  // at TLS's buffers). Anything but idle_peek::quiet (the server closed it,
  // or sent something such as a 421) makes the connection unusable.
  idle_peek check_idle();
  bool tls_active() const { return tls_up_; }
  bool used() const { return used_; }  // a transaction already ran on it
  const server_capabilities& capabilities() const { return caps_; }
  std::chrono::steady_clock::time_point idle_since() const { return idle_since_; }

 private:
  boost::asio::awaitable<error_code> write(std::span<const boost::asio::const_buffer> bufs,
                                           std::chrono::seconds timeout);
  boost::asio::awaitable<error_code> read_reply(reply& out, std::vector<std::string>* lines,
                                                std::chrono::seconds timeout);
  boost::asio::awaitable<error_code> hello(reply& refusal);
  boost::asio::awaitable<error_code> handshake(reply& refusal);
  boost::asio::awaitable<error_code> starttls(reply& refusal);
  boost::asio::awaitable<error_code> authenticate(reply& refusal);
  // Ends the connection politely; returns the error for `refusal` (a 4xx or 5xx).
  boost::asio::awaitable<error_code> refuse(const reply& refusal);
  std::string mail_command(std::string_view from, const mail_parameters& p, uint64_t size) const;

  boost::asio::ip::tcp::socket socket_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  bool tls_up_ = false;  // handshake done: I/O goes through tls_
  deadline deadline_;
  client_settings settings_;
  server_capabilities caps_;
  std::string rbuf_;
  std::size_t rpos_ = 0;
  bool open_ = false;
  bool broken_ = false;
  bool used_ = false;  // a transaction ran: RSET before the next
  std::chrono::steady_clock::time_point idle_since_{};
};

}  // namespace kizuna::smtp
