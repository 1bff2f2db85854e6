"""A scriptable downstream SMTP server for tests that need per-recipient
outcomes smtp-sink cannot give (e.g. tempfail exactly one recipient).
It speaks real SMTP over TCP on loopback: EHLO with PIPELINING and 8BITMIME,
MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT; optionally STARTTLS or
implicit TLS (Python's ssl with a given cert/key) and AUTH PLAIN, offered only
over TLS, whose credentials are recorded. To act out a downstream restart it
can drop its idle connections (optionally with Postfix's idle-timeout 421
first), answer an RSET with 421 or a bare close, and close after taking a
message in without answering its final dot.
"""
import base64
import os
import re
import socket
import socketserver
import ssl
import threading
import time


class _Writer:
    """Unbuffered like StreamRequestHandler's own wfile: every write is sent at once."""

    closed = False

    def __init__(self, sock):
        self.sock = sock

    def write(self, data):
        self.sock.sendall(data)

    def flush(self):
        pass

    def close(self):
        pass


class _Handler(socketserver.StreamRequestHandler):
    def _wrap(self, srv):
        """Switches the connection to TLS (server side); False if the handshake failed."""
        try:
            self.connection = srv.tls_context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError):
            return False
        self.rfile = self.connection.makefile("rb")
        self.wfile = _Writer(self.connection)
        with srv.lock:
            srv.tls_sessions += 1
        return True

    def finish(self):
        with self.server.peer.lock:  # before the socket is closed: a listed fd is still this connection's
            self.server.peer.open_connections.pop(id(self), None)
        super().finish()
        if isinstance(self.connection, ssl.SSLSocket):  # socketserver closes only the plain socket it accepted
            self.connection.close()

    def handle(self):
        srv = self.server.peer
        with srv.lock:
            srv.connections += 1
            srv.open_connections[id(self)] = self.connection.fileno()
        self._serve(srv)

    def _serve(self, srv):
        tls = False
        if srv.implicit_tls:
            if not self._wrap(srv):
                return
            tls = True
        w = self.wfile
        w.write(b"220 peer ESMTP\r\n")
        rcpts, mail_from = [], None
        while True:
            line = self.rfile.readline(4096)
            if not line:
                if srv.dropping == "421":  # what Postfix's smtpd says when it closes an idle session
                    try:
                        w.write(b"421 4.4.2 peer Error: timeout exceeded\r\n")
                    except OSError:
                        pass
                return
            cmd = line.rstrip(b"\r\n").decode(errors="replace")
            verb = cmd[:4].upper()
            with srv.lock:
                srv.commands.append("AUTH ..." if verb == "AUTH" else cmd)
            if verb in ("EHLO", "HELO"):
                caps = [b"peer", b"PIPELINING"]
                if srv.tls_context and not tls and not srv.implicit_tls:
                    caps.append(b"STARTTLS")
                if srv.auth and tls:
                    caps.append(b"AUTH PLAIN")
                caps += [b"SIZE 52428800", b"SMTPUTF8", b"8BITMIME"]
                w.write(b"".join(b"250-" + c + b"\r\n" for c in caps[:-1]) + b"250 " + caps[-1] + b"\r\n")
            elif cmd.upper() == "STARTTLS" and srv.tls_context and not tls:
                w.write(b"220 2.0.0 go ahead\r\n")
                w.flush()
                if not self._wrap(srv):
                    return
                tls = True
                w = self.wfile
                rcpts, mail_from = [], None
                continue
            elif verb == "AUTH" and srv.auth and tls:
                parts = cmd.split(" ")
                ok = False
                if len(parts) == 3 and parts[1].upper() == "PLAIN":
                    fields = base64.b64decode(parts[2]).split(b"\0")
                    if len(fields) == 3:
                        creds = (fields[1].decode(), fields[2].decode())
                        with srv.lock:
                            srv.auth_seen.append(creds)
                        ok = creds == srv.auth
                w.write(b"235 2.7.0 ok\r\n" if ok else b"535 5.7.8 bad credentials\r\n")
            elif verb == "MAIL":
                mail_from, rcpts = cmd, []
                w.write(b"250 2.1.0 ok\r\n")
            elif verb == "RCPT":
                addr = re.search(r"<([^>]*)>", cmd).group(1)
                with srv.lock:
                    fail = srv.tempfail.get(addr)
                    refuse = srv.reject.get(addr)
                if refuse:
                    w.write(b"550 5.1.1 <%s>: Recipient address rejected: User unknown\r\n" % addr.encode())
                elif fail:
                    w.write(b"450 4.2.0 <%s>: mailbox busy\r\n" % addr.encode())
                else:
                    rcpts.append(addr)
                    w.write(b"250 2.1.5 ok\r\n")
            elif verb == "DATA":
                if not rcpts:
                    w.write(b"554 5.5.1 no valid recipients\r\n")
                    continue
                w.write(b"354 go ahead\r\n")
                w.flush()
                body = []
                while True:
                    l = self.rfile.readline(1 << 20)
                    if not l:  # the client went away before its final dot: nothing accepted
                        return
                    if l == b".\r\n":
                        break
                    body.append(l[1:] if l.startswith(b".") else l)
                with srv.lock:
                    for r in rcpts:
                        srv.delivered.append((r, b"".join(body)))
                        srv.delivered_tls.append(tls)
                    vanish = srv.close_after_data > 0
                    srv.close_after_data -= vanish
                    hook = srv.after_data
                if hook:  # e.g. kill the client right after the copy was accepted
                    hook()
                if vanish:  # accepted, but the reply is lost: the duplicate window
                    return
                w.write(b"250 2.0.0 queued\r\n")
            elif verb == "RSET":
                with srv.lock:
                    close = srv.close_at_rset.pop(0) if srv.close_at_rset else None
                if close == "421":
                    w.write(b"421 4.3.2 peer shutting down\r\n")
                    return
                if close == "eof":
                    return
                rcpts, mail_from = [], None
                w.write(b"250 2.0.0 ok\r\n")
            elif verb == "QUIT":
                w.write(b"221 2.0.0 bye\r\n")
                w.flush()
                return
            else:
                w.write(b"502 5.5.1 unknown\r\n")
            w.flush()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class ScriptedPeer:
    """tls=(cert, key) offers STARTTLS (or, with implicit_tls, speaks TLS from
    connect); auth=(user, password) offers AUTH PLAIN once TLS is up and
    accepts only those credentials."""

    def __init__(self, tls=None, implicit_tls=False, auth=None):
        self.lock = threading.Lock()
        self.tempfail = {}   # address -> True while RCPT for it answers 450
        self.reject = {}     # address -> True while RCPT for it answers 550
        self.delivered = []  # (recipient, body bytes) in arrival order
        self.commands = []   # every command line received (AUTH lines masked)
        self.delivered_tls = []  # for each delivered entry: whether it came over TLS
        self.auth_seen = []  # (user, password) of every AUTH PLAIN
        self.tls_sessions = 0  # completed TLS handshakes
        self.connections = 0  # connections accepted
        self.open_connections = {}  # handler id -> socket fd, while it is served
        self.dropping = None  # while drop_connections runs: "421" or "eof"
        self.close_at_rset = []  # each RSET takes one: "421" (reply, then close) or "eof" (close)
        self.close_after_data = 0  # so many messages are taken in and the connection closed without a reply
        self.after_data = None  # called after a message was taken in, before its reply
        self.tls_context = None
        if tls:
            self.tls_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            self.tls_context.load_cert_chain(*tls)
        self.implicit_tls = implicit_tls
        self.auth = auth
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.peer = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def recipients(self):
        with self.lock:
            return [r for r, _ in self.delivered]

    def drop_connections(self, say="eof", timeout=10.0):
        """Closes every open connection as a restarting server would: each
        handler sees end of input (shutdown of the read side), says "421 ..."
        first if say == "421", and closes. Returns once all are closed."""
        with self.lock:
            self.dropping = say
            dropped = set(self.open_connections)  # those open now; new ones may come meanwhile
            dups = [os.dup(fd) for fd in self.open_connections.values()]
        for fd in dups:
            s = socket.socket(fileno=fd)
            try:
                s.shutdown(socket.SHUT_RD)
            except OSError:
                pass
            s.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not dropped & set(self.open_connections):
                    self.dropping = None
                    return len(dups)
            time.sleep(0.02)
        raise AssertionError(f"peer connections still open after {timeout}s")

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
