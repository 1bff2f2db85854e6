// When a pooled downstream connection may carry the next transaction, and when
// a copy whose connection failed may be sent again on a fresh one: the rules of
// Postfix's smtp connection cache, as plain functions over what the caller saw.
//
// Before reuse: an idle SMTP connection has nothing to read (RFC 5321: the
// server speaks only in reply). The caller peeks one byte without blocking
// (recv MSG_PEEK|MSG_DONTWAIT) and classifies the result here: end of input
// (the server closed it, e.g. its process restarted), or any byte at all (a
// 421 sent before closing, a TLS alert or close_notify, or a server out of
// step) means the connection is not reused. Over TLS the raw socket is peeked
// too, so a TLS record of any kind also counts: it costs at most one needless
// reconnect, never a wrong reply.
//
// After a failure: a copy may be sent again on a fresh connection only if the
// connection was lost (I/O error, end of input, or a 421: the server closes,
// RFC 5321 §3.8) before the write of the message body and its final "." began:
// a server accepts a message only at the end of DATA (RFC 5321 §4.1.1.4), so
// nothing was accepted and the retry cannot duplicate. Once that write began
// the copy is never sent again here (the duplicate window). Only a reused
// connection's failure is retried, once: it may have been closed just after
// the check above; a fresh connection failing means the downstream itself is
// in trouble, and the copy's transient reply says so.
//
// Pure: no sockets, no Asio.
#pragma once

namespace kizuna::smtp {

// What a non-blocking one-byte peek saw on an idle connection.
enum class idle_peek {
  quiet,             // nothing to read (EAGAIN/EWOULDBLOCK): reusable
  closed,            // end of input: the server closed the connection
  unexpected_input,  // bytes waiting although the connection is idle
  failed,            // any other error (ECONNRESET, ...)
};

// `n` is recv's return value, `err` errno when n < 0.
idle_peek classify_idle_peek(long n, int err);

inline bool reusable(idle_peek p) { return p == idle_peek::quiet; }

const char* describe(idle_peek p);

// How far a transaction got on its connection.
struct transaction_progress {
  bool connection_lost = false;    // I/O error, end of input, or a 421 reply
  bool final_dot_started = false;  // the write of the body and the final "." began
};

// Whether the copy goes again on a fresh connection (`retries`: retries already made for it).
bool retry_on_fresh_connection(const transaction_progress& p, bool reused_connection, unsigned retries);

}  // namespace kizuna::smtp
