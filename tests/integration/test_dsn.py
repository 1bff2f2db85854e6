"""Issue 11, defect 3 and acceptance 3: a recipient the downstream refuses with
5xx after Kizuna answered the SMTP client 250 was only logged. Now the sender
gets an RFC 3464 DSN (multipart/report, null reverse-path, via the downstream)
naming the recipient's Status and Diagnostic-Code, and the refusal is audited
as `bounce`. None goes to a null sender; LMTP clients get the 5xx themselves;
a message refused for every recipient gets the 5xx, not a DSN."""
import email
import email.policy
import smtplib
import unittest

from harness import Line, RelayTestCase
from peers import ScriptedPeer

MESSAGE = (b"From: news@example.org\r\nTo: undisclosed-recipients:;\r\nMessage-ID: <dsn-1@example.org>\r\n"
           b"X-Kizuna-Category: newsletter\r\nSubject: spring\r\n\r\nhello\r\n")


class Dsn(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.stop)
        self.peer.reject["gone@example.com"] = True
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}")

    def delivered_to(self, rcpt):
        with self.peer.lock:
            return [body for r, body in self.peer.delivered if r == rcpt]

    def bounces(self):
        return [(r["rcpt"], r["rule"], r["downstream_reply"]) for r in self.k.audit_records()
                if r["decision"] == "bounce"]

    def test_a_refusal_after_250_reaches_the_sender_as_a_dsn(self):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as s:
            refused = s.sendmail("sender@example.org", ["ok@example.com", "gone@example.com"], MESSAGE)
        self.assertEqual(refused, {})  # the client was told 250 for both
        self.assertEqual(len(self.delivered_to("ok@example.com")), 1)
        dsns = self.delivered_to("sender@example.org")
        self.assertEqual(len(dsns), 1)
        self.assertTrue(any(c.startswith("MAIL FROM:<> ") for c in self.peer.commands), self.peer.commands)

        dsn = email.message_from_bytes(dsns[0], policy=email.policy.default)
        self.assertEqual(dsn.get_content_type(), "multipart/report")
        self.assertEqual(dsn.get_param("report-type"), "delivery-status")
        self.assertEqual(dsn["To"].addresses[0].addr_spec, "sender@example.org")
        self.assertEqual(dsn["Auto-Submitted"], "auto-replied")
        parts = list(dsn.iter_parts())
        self.assertEqual([p.get_content_type() for p in parts],
                         ["text/plain", "message/delivery-status", "text/rfc822-headers"])
        for part in dsn.walk():
            self.assertEqual(part.defects, [], part.get_content_type())
        blocks = parts[1].get_payload()
        per_recipient = [b for b in blocks[1:]]
        self.assertEqual(len(per_recipient), 1)
        r = per_recipient[0]
        self.assertEqual(r["Final-Recipient"], "rfc822; gone@example.com")
        self.assertEqual(r["Action"], "failed")
        self.assertEqual(r["Status"], "5.1.1")
        self.assertTrue(r["Diagnostic-Code"].startswith("smtp; 550 5.1.1"), r["Diagnostic-Code"])
        self.assertIn("Subject: spring", parts[2].get_content())
        self.assertNotIn("hello", parts[2].get_content())  # headers only, never the body

        self.assertEqual(self.bounces(), [("gone@example.com", "builtin:dsn", "250 2.0.0 queued")])

    def test_no_dsn_for_a_null_sender(self):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as s:
            s.sendmail("", ["ok@example.com", "gone@example.com"], MESSAGE)
        self.assertEqual(len(self.delivered_to("ok@example.com")), 1)
        self.assertEqual(self.bounces(), [("gone@example.com", "builtin:dsn-suppressed:null-sender", "")])
        with self.peer.lock:
            self.assertEqual([r for r, _ in self.peer.delivered], ["ok@example.com"])

    def test_every_recipient_refused_is_a_5xx_not_a_dsn(self):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as s:
            with self.assertRaises(smtplib.SMTPDataError) as e:
                s.sendmail("sender@example.org", ["gone@example.com"], MESSAGE)
            self.assertEqual(e.exception.smtp_code, 550)
        self.assertEqual(self.delivered_to("sender@example.org"), [])
        self.assertEqual(self.bounces(), [])

    def test_lmtp_passes_the_5xx_per_recipient(self):
        c = Line(self.k.ports["lmtp"])
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("LHLO client.example").startswith("250"))
        self.assertTrue(c.cmd("MAIL FROM:<sender@example.org>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<ok@example.com>").startswith("250"))
        self.assertTrue(c.cmd("RCPT TO:<gone@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(MESSAGE + b".\r\n")
        self.assertTrue(c.reply().startswith("250"))  # ok@example.com
        self.assertTrue(c.reply().startswith("550 5.1.1"))  # gone@example.com, passed on
        self.assertEqual(self.delivered_to("sender@example.org"), [])
        self.assertEqual(self.bounces(), [])


if __name__ == "__main__":
    unittest.main()
