"""Acceptance 3: one of three recipients tempfails downstream. SMTP: the client
gets 4xx, and re-sending the same message delivers only the missing recipient
(the delivery ledger answers the others, issue 11). LMTP: the three replies
after DATA are 250, 250, 4xx."""
import smtplib
import unittest

from harness import Line, RelayTestCase
from peers import ScriptedPeer

MESSAGE = (b"From: sender@example.org\r\nTo: undisclosed-recipients:;\r\n"
           b"Subject: tempfail test\r\nMessage-ID: <tempfail-1@example.org>\r\n\r\nbody line\r\n.leading dot\r\n")
RCPTS = ["a@example.com", "b@example.com", "c@example.com"]


class Tempfail(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.stop)
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}")

    def send(self):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            return c.sendmail("sender@example.org", RCPTS, MESSAGE)

    def test_smtp_retry_delivers_only_the_missing_recipient(self):
        self.peer.tempfail["b@example.com"] = True
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send()
        self.assertEqual(e.exception.smtp_code // 100, 4)
        self.assertIn(b"b@example.com", e.exception.smtp_error)
        self.assertEqual(sorted(self.peer.recipients()), ["a@example.com", "c@example.com"])
        # The ledger has a and c delivered; b's transient failure left no entry.
        self.assertEqual(self.ledger_states(), {"a@example.com": "D", "c@example.com": "D"})

        # A retry while b still fails sends nothing new and still says 4xx.
        with self.assertRaises(smtplib.SMTPDataError):
            self.send()
        self.assertEqual(sorted(self.peer.recipients()), ["a@example.com", "c@example.com"])

        self.peer.tempfail.clear()
        self.assertEqual(self.send(), {})
        self.assertEqual(sorted(self.peer.recipients()), ["a@example.com", "b@example.com", "c@example.com"])
        self.assertEqual(set(self.ledger_states().values()), {"D"})
        body = dict(self.peer.delivered)["b@example.com"]
        self.assertIn(b"\r\n.leading dot\r\n", body)
        # The same message again is answered as handled and sends nothing; a new
        # message (another Message-ID) to the same recipients is delivered in full.
        self.assertEqual(self.send(), {})
        self.assertEqual(len(self.peer.delivered), 3)
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            c.sendmail("sender@example.org", RCPTS, MESSAGE.replace(b"tempfail-1@", b"tempfail-2@"))
        self.assertEqual(len(self.peer.delivered), 6)

    def ledger_states(self):
        """recipient -> state letter of every ledger entry (one message here)."""
        out = {}
        for key in self.redis.command("KEYS", "kizuna:ledger:*").split(b"\r\n"):
            if key.startswith(b"kizuna:ledger:"):
                addr = key.decode().split("{", 1)[1].split("}", 1)[0]
                value = self.redis.command("GET", key.decode())
                out[addr] = value.split(b"\r\n")[1][:1].decode()
        return out

    def test_message_split_over_transactions_never_duplicates(self):
        """Postfix splits recipients into batches of the same message: one batch
        completing must not erase what another batch's retry needs."""
        def send(rcpts):
            with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
                return c.sendmail("sender@example.org", rcpts, MESSAGE)

        self.peer.tempfail.update({"b@example.com": True, "d@example.com": True})
        for batch in (["a@example.com", "b@example.com"], ["c@example.com", "d@example.com"]):
            with self.assertRaises(smtplib.SMTPDataError):
                send(batch)
        self.peer.tempfail.clear()
        self.assertEqual(send(["a@example.com", "b@example.com"]), {})
        self.assertEqual(send(["c@example.com", "d@example.com"]), {})
        self.assertEqual(sorted(self.peer.recipients()),
                         ["a@example.com", "b@example.com", "c@example.com", "d@example.com"])

    def test_lmtp_gives_each_recipient_its_own_reply(self):
        self.peer.tempfail["c@example.com"] = True
        c = Line(self.k.ports["lmtp"])
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("LHLO client.example").startswith("250"))
        self.assertTrue(c.cmd("MAIL FROM:<sender@example.org>").startswith("250"))
        for r in RCPTS:
            self.assertTrue(c.cmd(f"RCPT TO:<{r}>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(MESSAGE + b".\r\n")
        codes = [c.reply()[:3] for _ in RCPTS]
        self.assertEqual(codes[:2], ["250", "250"])
        self.assertEqual(codes[2][0], "4")
        c.cmd("QUIT")
        c.close()
        self.assertEqual(sorted(self.peer.recipients()), ["a@example.com", "b@example.com"])

    def test_redis_down_defers_at_rcpt_and_relays_nothing(self):
        """Fail closed: without the opt-out list nothing is accepted."""
        self.redis.stop()
        with self.assertRaises(smtplib.SMTPRecipientsRefused) as e:
            self.send()
        self.assertEqual(sorted(e.exception.recipients), RCPTS)
        for code, text in e.exception.recipients.values():
            self.assertEqual(code, 451)
            self.assertTrue(text.startswith(b"4.3.0"))
        self.assertEqual(self.peer.recipients(), [])


if __name__ == "__main__":
    unittest.main()
