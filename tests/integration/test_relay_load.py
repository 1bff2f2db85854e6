"""Acceptance 2: Postfix's smtp-source pushes 2,000 messages over 10 sessions
through kizuna into Postfix's smtp-sink; every one arrives, none twice. Same
over LMTP."""
import collections
import unittest

from harness import RelayTestCase, wait_for

MESSAGES = 2000


class RelayLoad(RelayTestCase):
    def run_load(self, protocol):
        sink = self.start_sink()
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {sink.port}\n  max_connections: 8")
        args = ["-s", "10", "-m", str(MESSAGES), "-N", "-t", "rcpt@example.com", "-f", "load@example.org", "-d"]
        if protocol == "lmtp":
            args.append("-L")
        r = self.smtp_source(k.ports[protocol], *args)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        wait_for(lambda: len(sink.messages()) >= MESSAGES, 60, f"{MESSAGES} messages at the sink")
        rcpts = collections.Counter(rc for rc, _ in sink.messages())
        self.assertEqual(len(rcpts), MESSAGES, "each numbered recipient arrives")
        self.assertEqual([r for r, n in rcpts.items() if n > 1], [], "no message arrives twice")
        # Every copy carries kizuna's trace header.
        self.assertTrue(all(b"(Kizuna) with" in data for _, data in sink.messages()))

    def test_smtp_2000_messages_10_sessions_each_delivered_once(self):
        self.run_load("smtp")

    def test_lmtp_2000_messages_10_sessions_each_delivered_once(self):
        self.run_load("lmtp")


if __name__ == "__main__":
    unittest.main()
