"""Slow-drip clients (issue 10, defect 5): deadlines are absolute, so trickled
bytes cannot hold a session open.

- A command line must be complete command_timeout_s after Kizuna began waiting
  for it: one byte a second against a 3 s limit ends in 421 4.4.2 at about 3 s.
- DATA has data_timeout_s in hand, given back at min_data_rate: a trickle below
  the rate is cut, a message at a normal rate may take longer than
  data_timeout_s in total.
- Clients refused at the greeting (554, not in allow_clients) have their own
  small pool and are closed after refused_grace_s, so 60 of them trickling do
  not keep an allowed client from its 220 with max_connections 4.

Durations are measured with time.monotonic() and bounded above with a margin;
the pacing of the trickle is the client's behaviour, not a timing assertion.
"""
import selectors
import socket
import time
import unittest

from harness import Line, RelayTestCase, wait_for

COMMAND_TIMEOUT = 3
DATA_TIMEOUT = 3
GRACE = 3
MARGIN = 2.5
LIMITS = f"""limits:
  command_timeout_s: {COMMAND_TIMEOUT}
  data_timeout_s: {DATA_TIMEOUT}
  min_data_rate: 500
  max_connections: 4
  max_connections_per_client: 4
  max_refused_connections: 50
  refused_grace_s: {GRACE}
"""
REFUSED_SOURCE = "127.0.0.2"  # loopback, but outside the default allow_clients (127.0.0.1/32)


def trickle_until_reply(sock, payload, every, give_up):
    """Sends payload one byte per `every` seconds until the server says something
    or closes; returns (text received, seconds from start), or fails after give_up s."""
    started = time.monotonic()
    sock.settimeout(every)
    received = b""
    i = 0
    while time.monotonic() - started < give_up:
        try:
            chunk = sock.recv(4096)
            if not chunk:
                return received.decode(errors="replace"), time.monotonic() - started
            received += chunk
            if received.endswith(b"\n"):
                return received.decode(errors="replace"), time.monotonic() - started
        except socket.timeout:
            try:
                sock.sendall(payload[i % len(payload):i % len(payload) + 1])
            except OSError:  # closed under us: the next recv says so
                pass
            i += 1
    raise AssertionError(f"no reply within {give_up}s of trickling")


class Trickler:
    """Many refused clients at once, each trickling NOOP lines a byte at a time
    (whole lines, so without the grace they would never time out). Records what
    each received and when its connection closed."""

    def __init__(self, port, n, every=0.5):
        self.sel = selectors.DefaultSelector()
        self.every = every
        self.conns = []
        for _ in range(n):
            s = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(REFUSED_SOURCE, 0))
            s.setblocking(False)
            c = {"sock": s, "opened": time.monotonic(), "closed": None, "data": b"", "sent": 0}
            self.conns.append(c)
            self.sel.register(s, selectors.EVENT_READ, c)
        self.next_send = time.monotonic()

    def open(self):
        return [c for c in self.conns if c["closed"] is None]

    def step(self, wait=0.05):
        for key, _ in self.sel.select(wait):
            c = key.data
            try:
                chunk = c["sock"].recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if chunk:
                c["data"] += chunk
            else:
                c["closed"] = time.monotonic()
                self.sel.unregister(c["sock"])
                c["sock"].close()
        if time.monotonic() >= self.next_send:
            self.next_send += self.every
            for c in self.open():
                if b"\n" not in c["data"]:
                    continue  # not greeted yet
                b = b"NOOP\r\n"[c["sent"] % 6:c["sent"] % 6 + 1]
                try:
                    c["sock"].send(b)
                    c["sent"] += 1
                except OSError:
                    pass
        return not self.open()

    def close(self):
        for c in self.open():
            self.sel.unregister(c["sock"])
            c["sock"].close()
        self.sel.close()


class SlowClients(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", extra_yaml=LIMITS,
                                   protocols=("smtp",))
        self.port = self.k.ports["smtp"]

    def tearDown(self):
        alive = self.k.proc.poll() is None
        super().tearDown()
        self.assertTrue(alive, "kizuna must survive every test here")

    def session(self):
        c = Line(self.port, timeout=15)
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("EHLO client.example").startswith("250"))
        return c

    def test_trickled_command_is_cut_at_command_timeout(self):
        c = Line(self.port, timeout=15)
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        # 22 bytes at one a second: before the fix each byte re-armed the 3 s timeout.
        reply, took = trickle_until_reply(c.s, b"EHLO trickle.example\r\n", 1.0, COMMAND_TIMEOUT + 10)
        print(f"\ntrickled command line: {reply.strip()!r} after {took:.2f}s (limit {COMMAND_TIMEOUT}s)")
        self.assertTrue(reply.startswith("421 4.4.2"), reply)
        self.assertGreater(took, COMMAND_TIMEOUT - 0.5)
        self.assertLess(took, COMMAND_TIMEOUT + MARGIN)
        c.s.settimeout(5)
        self.assertEqual(c.reply(), "", "connection closed after 421")

    def test_each_command_gets_its_own_deadline(self):
        """A slow but complete command line per period is an ordinary client."""
        c = self.session()
        started = time.monotonic()
        for _ in range(4):
            c.send("NO")
            time.sleep(COMMAND_TIMEOUT / 3)  # pacing: well inside each line's deadline
            self.assertTrue(c.cmd("OP").startswith("250"))
        self.assertGreater(time.monotonic() - started, COMMAND_TIMEOUT)  # longer than one deadline in total

    def test_trickled_data_below_min_rate_is_cut(self):
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        # 5 bytes/s against min_data_rate 500: each byte earns back 2 ms.
        body = b"Subject: slow\r\n\r\n" + b"x" * 200 + b"\r\n.\r\n"
        reply, took = trickle_until_reply(c.s, body, 0.2, DATA_TIMEOUT + 10)
        print(f"\ntrickled DATA: {reply.strip()!r} after {took:.2f}s (data_timeout {DATA_TIMEOUT}s)")
        self.assertTrue(reply.startswith("421 4.4.2"), reply)
        self.assertLess(took, DATA_TIMEOUT + MARGIN)
        self.assertEqual(self.sink.messages(), [])

    def test_data_at_a_normal_rate_may_take_longer_than_data_timeout(self):
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        started = time.monotonic()
        c.send(b"Subject: steady\r\n\r\n")
        line = b"y" * 998 + b"\r\n"  # 1000 bytes per 0.5 s: 2000 B/s, four times min_data_rate
        while time.monotonic() - started < DATA_TIMEOUT + 1.5:
            c.send(line)
            time.sleep(0.5)
        reply = c.cmd(".")
        took = time.monotonic() - started
        print(f"\nsteady DATA over {took:.2f}s (data_timeout {DATA_TIMEOUT}s): {reply!r}")
        self.assertTrue(reply.startswith("250"), reply)
        self.assertGreater(took, DATA_TIMEOUT)
        wait_for(lambda: len(self.sink.messages()) == 1, 10, "the message downstream")

    def test_refused_tricklers_do_not_lock_out_allowed_clients_and_are_closed_after_grace(self):
        t = Trickler(self.port, 60)
        self.addCleanup(t.close)
        # Every refused client has read its 554 (the 10 past max_refused_connections
        # were closed right after it), so all 50 refused slots are taken.
        wait_for(lambda: t.step() or all(b"\n" in c["data"] for c in t.conns), 10, "60 greetings")
        self.assertTrue(all(c["data"].startswith(b"554 5.7.1") for c in t.conns))
        wait_for(lambda: t.step() or len(t.open()) <= 50, 10, "the refused clients past the pool closed")
        # While they trickle: max_connections (4) allowed clients get their 220 ...
        asked = time.monotonic()
        allowed = [self.session() for _ in range(4)]
        got_220 = time.monotonic() - asked
        still_open = len(t.open())
        print(f"\n4 allowed clients got 220 + EHLO in {got_220:.2f}s with {still_open} refused clients connected")
        # More refused clients than max_connections still connected: before the fix they alone
        # filled every slot.
        self.assertGreater(still_open, 4, "the refused clients were still there when the allowed ones came")
        # ... and the limit still holds for a fifth.
        extra = Line(self.port, timeout=10)
        self.addCleanup(extra.close)
        self.assertTrue(extra.reply().startswith("421 4.7.0"))
        for c in allowed:
            self.assertTrue(c.cmd("NOOP").startswith("250"))

        wait_for(lambda: t.step(), GRACE + 10, "every refused client closed")
        lasted = [c["closed"] - c["opened"] for c in t.conns]
        timed_out = [c for c in t.conns if b"421 4.4.2" in c["data"]]
        at_once = [c for c in t.conns if c["data"].count(b"\r\n") == 1]
        print(f"refused clients: {len(timed_out)} closed by the grace (longest {max(lasted):.2f}s, "
              f"grace {GRACE}s), {len(at_once)} closed at once past max_refused_connections")
        self.assertEqual(len(timed_out), 50)
        self.assertEqual(len(at_once), 10)
        self.assertLess(max(lasted), GRACE + MARGIN)


if __name__ == "__main__":
    unittest.main()
