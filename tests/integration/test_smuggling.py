"""Issue 10, defect 4: a bare CR (and "\\r.\\r", "\\r\\n.\\r") or a NUL in DATA went
downstream unchanged, where a downstream that ends lines on CR could read a
second transaction into the message (SMTP smuggling, CVE-2023-51764/51765).
limits.bare_newline: normalize (default) makes each bare CR and LF a CRLF and
drops NULs; reject refuses the message with 554 5.6.0. The downstream here
records the raw bytes it receives, so any bare CR, bare LF or NUL would show."""
import unittest

from harness import Line, RelayTestCase
from peers import ScriptedPeer

SMUGGLE = (b"Subject: s\r\n\r\nhello\r.\rMAIL FROM:<evil@example.net>\rRCPT TO:<victim@example.com>\rDATA\r"
           b"Subject: smuggled\r\r\n\r\n.\rQUIT\r\n"
           b"nul\x00byte\r\n..stuffed\r\n.\r\n")


class Smuggling(RelayTestCase):
    mode = None  # the default

    def setUp(self):
        super().setUp()
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.stop)
        extra = f"limits:\n  bare_newline: {self.mode}\n" if self.mode else ""
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}", protocols=("smtp",),
                                   extra_yaml=extra)

    def send(self, data):
        c = Line(self.k.ports["smtp"])
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("EHLO client.example").startswith("250"))
        self.assertTrue(c.cmd("MAIL FROM:<a@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<b@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(data)
        reply = c.reply()
        # The session goes on in step: the next command gets its own reply.
        self.assertTrue(c.cmd("NOOP").startswith("250"))
        return reply

    def test_bare_cr_and_nul_are_normalized(self):
        reply = self.send(SMUGGLE)
        self.assertTrue(reply.startswith("250"), reply)
        self.assertEqual(self.peer.recipients(), ["b@example.com"])  # one transaction, not two
        body = self.peer.delivered[0][1]
        self.assertNotIn(b"\x00", body)
        for i, ch in enumerate(body):
            if ch == 0x0D:
                self.assertEqual(body[i + 1:i + 2], b"\n", f"bare CR at {i}: {body!r}")
            if ch == 0x0A:
                self.assertEqual(body[i - 1:i], b"\r", f"bare LF at {i}: {body!r}")
        # The peer unstuffed what it received: the smuggled commands are text lines.
        lines = body.split(b"\r\n")
        self.assertIn(b"MAIL FROM:<evil@example.net>", lines)
        self.assertIn(b"nulbyte", lines)
        self.assertIn(b".stuffed", lines)
        self.assertEqual(self.peer.commands.count("DATA"), 1, self.peer.commands)


class SmugglingRejected(Smuggling):
    mode = "reject"

    def test_bare_cr_and_nul_are_normalized(self):
        pass  # not in this mode

    def test_bare_cr_is_refused(self):
        for data in (b"Subject: s\r\n\r\na\rb\r\n.\r\n", b"Subject: s\r\n\r\na\nb\r\n.\r\n",
                     b"Subject: s\r\n\r\na\x00b\r\n.\r\n"):
            reply = self.send(data)
            self.assertTrue(reply.startswith("554 5.6.0"), reply)
        self.assertEqual(self.peer.delivered, [])

    def test_clean_message_passes(self):
        self.assertTrue(self.send(b"Subject: s\r\n\r\n..dot\r\nok\r\n.\r\n").startswith("250"))
        self.assertEqual(len(self.peer.delivered), 1)


if __name__ == "__main__":
    unittest.main()
