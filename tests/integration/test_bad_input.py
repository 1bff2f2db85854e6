"""Acceptance 4: bad input gets the right reply and nothing crashes: a client
outside allow_clients is refused (never an open relay), an oversized message
gets 552, the recipient past max_recipients gets 452, a silent client is cut at
command_timeout_s, garbage commands end in 421 after the error limit."""
import os
import time
import unittest

from harness import Line, RelayTestCase

LIMITS = """limits:
  max_message_bytes: 2048
  max_recipients: 3
  command_timeout_s: 1
  max_errors: 5
"""


class BadInput(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", extra_yaml=LIMITS)

    def tearDown(self):
        alive = self.k.proc.poll() is None
        super().tearDown()
        self.assertTrue(alive, "kizuna must survive every test here")

    def session(self):
        c = Line(self.k.ports["smtp"])
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("EHLO client.example").startswith("250"))
        return c

    def test_oversized_message_gets_552_and_nothing_is_relayed(self):
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(b"Subject: big\r\n\r\n" + b"x" * 78 + b"\r\n" * 0 + (b"y" * 70 + b"\r\n") * 40 + b".\r\n")
        self.assertTrue(c.reply().startswith("552 5.3.4"))
        # The session goes on: a small message afterwards is relayed.
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        self.assertTrue(c.cmd("Subject: small\r\n\r\nok\r\n.").startswith("250"))
        self.assertEqual(len(self.sink.messages()), 1)

    def test_size_parameter_over_limit_is_refused_at_mail(self):
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org> SIZE=999999").startswith("552 5.3.4"))

    def test_recipient_past_max_recipients_gets_452(self):
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        for i in range(3):
            self.assertTrue(c.cmd(f"RCPT TO:<r{i}@example.com>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<r3@example.com>").startswith("452 4.5.3"))

    def test_silent_client_is_cut_at_command_timeout(self):
        c = Line(self.k.ports["smtp"], timeout=10)
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        started = time.monotonic()
        self.assertTrue(c.reply().startswith("421 4.4.2"))
        self.assertEqual(c.reply(), "", "connection closed after 421")
        self.assertLess(time.monotonic() - started, 8)

    def test_garbage_commands_end_in_421_after_error_limit(self):
        c = self.session()
        replies = [c.cmd("GARBAGE\x01 nonsense") for _ in range(5)]
        self.assertTrue(all(r.startswith("500") for r in replies[:4]), replies)
        self.assertTrue(replies[4].startswith("421 4.7.0"), replies)
        self.assertEqual(c.reply(), "")

    def test_overlong_command_line_is_refused(self):
        c = self.session()
        self.assertTrue(c.cmd("NOOP " + "x" * 600).startswith("500 5.5.2"))
        self.assertTrue(c.cmd("NOOP").startswith("250"))

    def test_sequence_errors(self):
        c = self.session()
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("503"))
        self.assertTrue(c.cmd("DATA").startswith("503"))
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("503"))
        self.assertTrue(c.cmd("VRFY someone").startswith("252"))

    def test_bare_lf_dot_does_not_end_data(self):
        """SMTP smuggling: "\\n.\\n" must not end DATA; a smuggled MAIL stays message text."""
        c = self.session()
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(b"Subject: s\r\n\r\nhello\n.\nMAIL FROM:<evil@example.net>\r\nRCPT TO:<victim@example.com>\r\n.\r\n")
        self.assertTrue(c.reply().startswith("250"))
        msgs = self.sink.messages()
        self.assertEqual(len(msgs), 1)
        self.assertIn("b@example.com", msgs[0][0])
        self.assertIn(b"MAIL FROM:<evil@example.net>", msgs[0][1])


class NotAllowed(RelayTestCase):
    def test_client_outside_allow_clients_is_refused(self):
        sink = self.start_sink()
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {sink.port}",
                              listen_extra="    allow_clients: [192.0.2.0/24]\n")
        c = Line(k.ports["smtp"])
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("554 5.7.1"))
        self.assertTrue(c.cmd("EHLO x").startswith("554 5.7.1"))
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("554 5.7.1"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("554 5.7.1"))
        self.assertTrue(c.cmd("QUIT").startswith("221"))
        self.assertEqual(sink.messages(), [])


if __name__ == "__main__":
    unittest.main()
