"""Issue 11, defect 5: a downstream restart costs no 4xx. Connections pooled
to the old downstream process are found closed before reuse (end of input, or
a 421 waiting to be read) and replaced; one that fails at its first reply (the
server closed it between the check and the RSET) is retried once on a fresh
connection, which cannot duplicate: nothing is accepted before the final dot.
Every copy sent after the restart gets 250 and arrives exactly once."""
import collections
import os
import signal
import smtplib
import threading
import unittest

from harness import RelayTestCase, SmtpSink, wait_for
from peers import ScriptedPeer
from test_tls_auth import CERT, KEY

SENDER = "sender@example.org"


def message(n):
    return (f"From: {SENDER}\r\nTo: r{n}@example.com\r\nSubject: restart {n}\r\n"
            f"Message-ID: <restart-{n}@example.org>\r\n\r\nbody {n}\r\n").encode()


class DownstreamRestart(RelayTestCase):
    """Postfix's smtp-sink stopped and started again on the same port."""

    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.port = self.sink.port
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.port}\n  max_connections: 4")
        self.n = 0
        self.generation = 0

    def client(self):
        c = smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30)
        self._stops.append(c.close)
        return c

    def send(self, c):
        """One message to a recipient of its own; any refusal fails the test (smtplib raises)."""
        self.n += 1
        self.assertEqual(c.sendmail(SENDER, [f"r{self.n}@example.com"], message(self.n)), {})
        return f"r{self.n}@example.com"

    def fill_pools(self):
        """Several copies at once from several clients, so both threads' pools
        hold connections (some of them more than one)."""
        sent, errors = [], []

        def worker():
            try:
                with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as c:
                    for _ in range(3):
                        with lock:
                            self.n += 1
                            n = self.n
                        c.sendmail(SENDER, [f"r{n}@example.com"], message(n))
                        with lock:
                            sent.append(f"r{n}@example.com")
            except Exception as e:  # reported below, with the others
                errors.append(e)

        lock = threading.Lock()
        threads = [threading.Thread(target=worker) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        return sent

    def restart(self, hard=False):
        """Stops the sink (SIGTERM, or SIGKILL if hard) and starts a new one on
        the same port, dumping into a directory of its own."""
        if hard:
            self.sink.proc.send_signal(signal.SIGKILL)
        else:
            self.sink.proc.terminate()
        self.sink.proc.wait(10)
        self.generation += 1
        self.sink = SmtpSink(os.path.join(self.tmp, f"generation-{self.generation}"), port=self.port)
        self._stops.append(self.sink.stop)

    def assert_arrived_once(self, sink, rcpts):
        wait_for(lambda: len(sink.messages()) >= len(rcpts), 20, f"{len(rcpts)} copies at the sink")
        seen = collections.Counter(rc.strip("<>") for rc, _ in sink.messages())
        self.assertEqual(sorted(seen), sorted(rcpts))
        self.assertEqual([r for r, n in seen.items() if n > 1], [], "no copy arrives twice")

    def test_copies_after_a_restart_are_accepted_and_arrive_once(self):
        kept = self.client()
        before = [self.send(kept)] + self.fill_pools()
        self.assert_arrived_once(self.sink, before)
        old = self.sink

        self.restart()
        after = []
        for i in range(8):  # on the client connection kept across the restart, and on new ones
            if i % 2 == 0:
                after.append(self.send(kept))
            else:
                with self.client() as c:
                    after.append(self.send(c))
        after += self.fill_pools()
        self.assert_arrived_once(self.sink, after)
        self.assert_arrived_once(old, before)  # nothing reached the old one late
        self.assertNotIn("downstream connection failed", self.k.read_log())

    def test_the_downstream_killed_while_idle_again_and_again(self):
        kept = self.client()
        sent = [self.send(kept)] + self.fill_pools()
        self.assert_arrived_once(self.sink, sent)
        for round in range(4):
            self.restart(hard=round % 2 == 1)
            sent = [self.send(kept)]
            with self.client() as c:
                sent += [self.send(c), self.send(c)]
            sent += self.fill_pools()
            self.assert_arrived_once(self.sink, sent)
        self.assertNotIn("downstream connection failed", self.k.read_log())


class PeerClosesPooledConnections(RelayTestCase):
    """The scripted peer closes kizuna's pooled connections: while idle (end of
    input, or Postfix's idle-timeout 421 and then end of input), or only when
    the next transaction's RSET arrives (the race a check before reuse cannot
    see). Plain and over STARTTLS. All copies come over one client connection,
    so they go through one I/O thread's pool: each after the first reuses."""

    def check(self, close, tls=False, retried=False):
        """retried: the close is seen only when the RSET is answered, so each copy
        after one is sent again on a fresh connection; else the check before
        reuse sees it and no copy needs a second try."""
        peer = ScriptedPeer(tls=(CERT, KEY)) if tls else ScriptedPeer()
        self._stops.append(peer.stop)
        downstream = f"  host: {'localhost' if tls else '127.0.0.1'}\n  port: {peer.port}"
        if tls:
            downstream += f"\n  tls: starttls-required\n  tls_ca_file: {CERT}"
        k = self.start_kizuna(downstream, protocols=("smtp",))
        c = smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30)
        self._stops.append(c.close)
        base = peer.connections
        sent = []
        for n in range(1, 5):
            if n > 1:
                close(peer)
            self.assertEqual(c.sendmail(SENDER, [f"r{n}@example.com"], message(n)), {})
            sent.append(f"r{n}@example.com")
        self.assertEqual(peer.recipients(), sent)  # each once, in order
        self.assertEqual(peer.delivered_tls, [tls] * len(sent))
        self.assertEqual(peer.connections - base, 4, "a new connection after each close, no more")
        log = k.read_log()
        self.assertNotIn("downstream connection failed", log)
        self.assertEqual(log.count("sending on a fresh one"), 3 if retried else 0, log)

    def test_closed_while_idle(self):
        self.check(lambda peer: peer.drop_connections("eof"))

    def test_closed_while_idle_over_tls(self):
        self.check(lambda peer: peer.drop_connections("eof"), tls=True)

    def test_closed_with_421_while_idle(self):
        self.check(lambda peer: peer.drop_connections("421"))

    def test_closed_at_rset_with_421(self):
        self.check(lambda peer: peer.close_at_rset.append("421"), retried=True)

    def test_closed_at_rset_with_421_over_tls(self):
        self.check(lambda peer: peer.close_at_rset.append("421"), tls=True, retried=True)

    def test_closed_at_rset_without_a_reply(self):
        self.check(lambda peer: peer.close_at_rset.append("eof"), retried=True)

    def test_closed_at_rset_without_a_reply_over_tls(self):
        self.check(lambda peer: peer.close_at_rset.append("eof"), tls=True, retried=True)


class LostReplyToTheFinalDot(RelayTestCase):
    def test_a_copy_is_never_sent_again_once_its_final_dot_went_out(self):
        """The downstream takes the message in and closes without answering the
        dot: it may have accepted it, so the copy is not retried (the client gets
        4xx, and the duplicate question belongs to the delivery ledger)."""
        peer = ScriptedPeer()
        self._stops.append(peer.stop)
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {peer.port}", protocols=("smtp",))
        c = smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30)
        self._stops.append(c.close)
        base = peer.connections
        self.assertEqual(c.sendmail(SENDER, ["r1@example.com"], message(1)), {})
        peer.close_after_data = 1
        with self.assertRaises(smtplib.SMTPDataError) as e:
            c.sendmail(SENDER, ["r2@example.com"], message(2))
        self.assertEqual(e.exception.smtp_code // 100, 4)
        self.assertEqual(peer.recipients(), ["r1@example.com", "r2@example.com"])  # r2 once
        self.assertEqual(peer.connections - base, 1, "no second connection for r2")
        self.assertNotIn("sending on a fresh one", k.read_log())


if __name__ == "__main__":
    unittest.main()
