"""A scriptable downstream SMTP server for tests that need per-recipient
outcomes smtp-sink cannot give (e.g. tempfail exactly one recipient).
It speaks real SMTP over TCP on loopback: EHLO with PIPELINING and 8BITMIME,
MAIL, RCPT, DATA with dot-unstuffing, RSET, QUIT.
"""
import re
import socketserver
import threading


class _Handler(socketserver.StreamRequestHandler):
    def handle(self):
        srv = self.server.peer
        w = self.wfile
        w.write(b"220 peer ESMTP\r\n")
        rcpts, mail_from = [], None
        while True:
            line = self.rfile.readline(4096)
            if not line:
                return
            cmd = line.rstrip(b"\r\n").decode(errors="replace")
            verb = cmd[:4].upper()
            if verb in ("EHLO", "HELO"):
                w.write(b"250-peer\r\n250-PIPELINING\r\n250 8BITMIME\r\n")
            elif verb == "MAIL":
                mail_from, rcpts = cmd, []
                w.write(b"250 2.1.0 ok\r\n")
            elif verb == "RCPT":
                addr = re.search(r"<([^>]*)>", cmd).group(1)
                with srv.lock:
                    fail = srv.tempfail.get(addr)
                if fail:
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
                    if not l or l == b".\r\n":
                        break
                    body.append(l[1:] if l.startswith(b".") else l)
                with srv.lock:
                    for r in rcpts:
                        srv.delivered.append((r, b"".join(body)))
                w.write(b"250 2.0.0 queued\r\n")
            elif verb == "RSET":
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
    def __init__(self):
        self.lock = threading.Lock()
        self.tempfail = {}   # address -> True while RCPT for it answers 450
        self.delivered = []  # (recipient, body bytes) in arrival order
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.peer = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def recipients(self):
        with self.lock:
            return [r for r, _ in self.delivered]

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
