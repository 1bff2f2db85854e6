"""Acceptance 5: SIGTERM during a 10-session load loses nothing (every message
acknowledged with 2xx was delivered, none twice) and exits 0; SIGHUP with a
broken config keeps the old one serving; SIGHUP with a good one applies it."""
import re
import signal
import smtplib
import threading
import unittest

from harness import RelayTestCase, wait_for

SESSIONS = 10


class Signals(RelayTestCase):
    def test_sigterm_during_load_loses_nothing_and_exits_0(self):
        sink = self.start_sink()
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {sink.port}", extra_yaml="limits:\n  drain_timeout_s: 20\n")
        acked, lock, stop = [], threading.Lock(), threading.Event()

        def client(n):
            try:
                with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30) as c:
                    for i in range(100000):
                        if stop.is_set():
                            return
                        # Copies get their own Message-ID (SPEC §7): the body names the message.
                        mid = f"load-{n}-{i}"
                        msg = f"Message-ID: <{mid}@example.org>\r\nSubject: drain\r\n\r\nbody {mid}\r\n"
                        c.sendmail("load@example.org", [f"r{n}@example.com"], msg)
                        with lock:
                            acked.append(mid)
            except (smtplib.SMTPException, OSError):
                return  # 421 or a closed connection ends this client: expected during drain

        threads = [threading.Thread(target=client, args=(n,)) for n in range(SESSIONS)]
        for t in threads:
            t.start()
        wait_for(lambda: len(acked) >= 300, 60, "300 acknowledged messages before SIGTERM")
        k.signal(signal.SIGTERM)
        self.assertEqual(k.proc.wait(60), 0, k.read_log())
        stop.set()
        for t in threads:
            t.join(30)

        delivered = [re.search(rb"body (load-\d+-\d+)", data).group(1).decode() for _, data in sink.messages()]
        self.assertEqual(len(delivered), len(set(delivered)), "a message delivered twice")
        missing = set(acked) - set(delivered)
        self.assertEqual(missing, set(), "acknowledged with 2xx but never delivered")
        self.assertIn("draining", k.read_log())

    def test_sighup_with_broken_config_keeps_old_one(self):
        sink = self.start_sink()
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {sink.port}", extra_yaml="limits:\n  max_recipients: 2\n")

        def rcpt_replies(n):
            with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=10) as c:
                c.ehlo()
                c.mail("a@example.org")
                return [c.rcpt(f"r{i}@example.com")[0] for i in range(n)]

        self.assertEqual(rcpt_replies(3), [250, 250, 452])
        with open(k.config, "a") as f:
            f.write("colour: blue\n")
        k.signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in k.read_log(), 10, "the reload to be refused")
        self.assertIn('unknown key "colour"', k.read_log())
        self.assertIsNone(k.proc.poll())
        self.assertEqual(rcpt_replies(3), [250, 250, 452], "old limits still enforced")
        with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=10) as c:
            self.assertEqual(c.sendmail("a@example.org", ["b@example.com"], "Subject: still up\r\n\r\nx\r\n"), {})
        self.assertEqual(len(sink.messages()), 1)

        with open(k.config, "w") as f:
            f.write(k.yaml.replace("max_recipients: 2", "max_recipients: 3"))
        k.signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in k.read_log(), 10, "the reload to be applied")
        self.assertEqual(rcpt_replies(4), [250, 250, 250, 452], "new limits after a good reload")


if __name__ == "__main__":
    unittest.main()
