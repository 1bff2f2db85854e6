// One client connection, one coroutine (Beast style): it owns its socket and
// buffers, reads with a deadline on every read and a bounded buffer, runs the
// pure server_protocol, and hands each complete message to a transaction_handler.
//
// Timeouts (read_deadline.hpp): each command line must be complete within
// command_timeout of when the session started waiting for it (bytes trickled in
// do not extend it); DATA has data_timeout in hand, replenished by
// min_data_rate; a client refused at the greeting (554) is closed refused_grace
// after it connected, whatever it sends. On expiry the client gets
// "421 4.4.2" and is closed.
// Shutdown: request_stop() makes an idle session answer "421 4.3.2" at once;
// a session inside DATA or delivery finishes that transaction first.
//
// TLS (RFC 3207): the socket stays the plain stream socket; after "220 Ready to
// start TLS" the session wraps it in an ssl::stream (handshake deadline:
// command_timeout), and every later read and write goes through that stream.
// Input the client pipelined behind STARTTLS is discarded unread
// (CVE-2011-0411), and the protocol starts over at "not greeted".
// AUTH: the password is checked with crypt(3) on a small shared thread pool,
// never on the I/O thread; passwords are never logged.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "relay/smtp/auth_users.hpp"
#include "relay/smtp/data_assembler.hpp"
#include "relay/smtp/server_protocol.hpp"
#include "relay/smtp/tls_context.hpp"
#include "relay/smtp/transaction.hpp"

namespace kizuna::smtp {

struct session_settings {
  protocol_settings protocol;
  std::string client_address;  // for logs and Received
  std::chrono::seconds command_timeout{300};
  std::chrono::seconds data_timeout{600};
  uint64_t min_data_rate = 500;             // bytes/s; 0: data_timeout bounds all of DATA
  std::chrono::seconds refused_grace{5};    // when protocol.refused()
  std::size_t max_line_bytes = 65536;
  bare_newline_mode bare_newline = bare_newline_mode::normalize;  // bare CR/LF and NUL in DATA
  std::string category;  // the listener's fixed category ("" = none)
  std::uint32_t listener_slot = 0;  // the listener's metrics label slot (metrics/recorder.hpp)
  tls_context tls;                          // set when protocol.starttls
  std::shared_ptr<const auth_users> users;  // set when protocol.auth
};

class server_session {
 public:
  using socket_type = boost::asio::generic::stream_protocol::socket;

  server_session(socket_type socket, session_settings settings, std::shared_ptr<transaction_handler> handler);
  ~server_session();
  server_session(const server_session&) = delete;
  server_session& operator=(const server_session&) = delete;

  boost::asio::awaitable<void> run();
  // From the owning thread: finish the current transaction, then say 421 and close.
  void request_stop();
  // From the owning thread: close now (drain time is over).
  void abort();

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace kizuna::smtp
