"""Issue 11, acceptance 2 and the delivery ledger end to end (real redis-server,
a scripted downstream): a resend of a delivered message sends nothing new; the
copy a client retries after its reply was lost is not sent twice; a refused copy
whose DSN went out, and a held copy, are not handled twice; a copy whose final
"." got no reply is in doubt and not resent by default; the ledger unreachable
means 4xx and nothing sent; every relayed copy has its write-ahead record before
its outcome, and `audit verify` passes."""
import os
import smtplib
import time
import unittest

from harness import Line, RelayTestCase
from peers import ScriptedPeer

P = "kizuna:"

POLICY = """\
categories:
  default: newsletter
rules:
  - id: deal-negotiating
    description: held for the account owner
    match: { field: contact.deal_stage, equals: 商談中 }
    action: hold
"""


def message(msgid=None, subject="spring"):
    mid = f"Message-ID: <{msgid}@example.org>\r\n" if msgid else ""
    return (f"From: news@example.org\r\nTo: undisclosed-recipients:;\r\n{mid}"
            f"X-Kizuna-Category: newsletter\r\nSubject: {subject}\r\n\r\nhello\r\n").encode()


class ExactlyOnce(RelayTestCase):
    extra = ""

    def setUp(self):
        super().setUp()
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.stop)
        policy_dir = os.path.join(self.tmp, "policies")
        os.makedirs(policy_dir)
        with open(os.path.join(policy_dir, "10-test.yaml"), "w", encoding="utf-8") as f:
            f.write(POLICY)
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}",
                                   extra_yaml=f"policies: [{policy_dir}/*.yaml]\n" + self.extra)

    def send(self, rcpts, msg, sender="sender@example.org"):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as c:
            return c.sendmail(sender, rcpts, msg)

    def count(self, rcpt):
        with self.peer.lock:
            return sum(1 for r, _ in self.peer.delivered if r == rcpt)

    def records(self, rcpt=None):
        return [r for r in self.k.audit_records() if rcpt is None or r["rcpt"] == rcpt]

    def assert_write_ahead(self):
        """Every outcome has its relay record earlier in the chain, same copy_id."""
        seen = set()
        for r in self.k.audit_records():
            if r["decision"] == "relay":
                self.assertEqual(r["downstream_reply"], "")
                seen.add(r["copy_id"])
            elif r["decision"] == "outcome" and r["rule"] != "builtin:in-doubt":
                self.assertIn(r["copy_id"], seen, r)
        self.assertEqual(self.k.cli("audit", "verify").returncode, 0)


class Resend(ExactlyOnce):
    def test_a_resend_after_success_sends_nothing_new(self):
        rcpts = ["a@example.com", "b@example.com"]
        self.assertEqual(self.send(rcpts, message("m1")), {})
        for _ in range(3):  # re-queued by the sending tool, or through another listener
            self.assertEqual(self.send(rcpts, message("m1")), {})
        self.assertEqual([self.count(a) for a in rcpts], [1, 1])
        drops = [r["rule"] for r in self.records() if r["decision"] == "drop"]
        self.assertEqual(drops, ["builtin:already-delivered"] * 6)
        # Another Message-ID is another message.
        self.assertEqual(self.send(rcpts, message("m2")), {})
        self.assertEqual([self.count(a) for a in rcpts], [2, 2])
        # Spellings of one mailbox are one pair.
        self.assertEqual(self.send(['"A"@Example.COM'], message("m2")), {})
        self.assertEqual(self.count("A@example.com") + self.count('"A"@Example.COM'), 0)
        self.assertEqual(self.count("a@example.com"), 2)
        self.assert_write_ahead()

    def test_without_message_id_the_same_bytes_are_the_same_message(self):
        self.assertEqual(self.send(["a@example.com"], message()), {})
        self.assertEqual(self.send(["a@example.com"], message()), {})
        self.assertEqual(self.count("a@example.com"), 1)
        self.assertEqual(self.send(["a@example.com"], message(subject="other")), {})
        self.assertEqual(self.count("a@example.com"), 2)

    def test_lmtp_resend_is_answered_per_recipient(self):
        self.peer.reject["gone@example.com"] = True

        def lmtp(rcpts):
            c = Line(self.k.ports["lmtp"])
            self.assertTrue(c.reply().startswith("220"))
            c.cmd("LHLO client.example")
            self.assertTrue(c.cmd("MAIL FROM:<sender@example.org>").startswith("250"))
            for r in rcpts:
                self.assertTrue(c.cmd(f"RCPT TO:<{r}>").startswith("250"))
            self.assertTrue(c.cmd("DATA").startswith("354"))
            c.send(message("l1") + b".\r\n")
            replies = [c.reply() for _ in rcpts]
            c.cmd("QUIT")
            c.close()
            return replies

        first = lmtp(["ok@example.com", "gone@example.com"])
        self.assertTrue(first[0].startswith("250") and first[1].startswith("550"), first)
        again = lmtp(["ok@example.com", "gone@example.com"])
        self.assertTrue(again[0].startswith("250 2.0.0 Ok: already delivered"), again)
        self.assertTrue(again[1].startswith("550"), again)  # the stored refusal, not a new attempt
        self.assertEqual(self.count("ok@example.com"), 1)
        with self.peer.lock:
            attempts = [c for c in self.peer.commands if c.upper().startswith("RCPT TO:<GONE@")]
        self.assertEqual(len(attempts), 1, attempts)

    def test_a_refused_copy_reported_by_dsn_is_not_tried_again(self):
        self.peer.reject["gone@example.com"] = True
        for _ in range(2):
            self.assertEqual(self.send(["ok@example.com", "gone@example.com"], message("d1")), {})
        self.assertEqual(self.count("sender@example.org"), 1)  # one DSN
        with self.peer.lock:
            attempts = [c for c in self.peer.commands if c.upper().startswith("RCPT TO:<GONE@")]
        self.assertEqual(len(attempts), 1, attempts)
        self.assertIn("builtin:already-refused", [r["rule"] for r in self.records("gone@example.com")])

    def test_the_reply_lost_by_the_client_is_not_sent_twice(self):
        # The client sends the message and hangs up before reading the reply.
        c = Line(self.k.ports["smtp"])
        self.assertTrue(c.reply().startswith("220"))
        c.cmd("EHLO client.example")
        c.cmd("MAIL FROM:<sender@example.org>")
        c.cmd("RCPT TO:<a@example.com>")
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(message("lost") + b".\r\n")
        c.close()
        deadline = time.time() + 20
        while self.count("a@example.com") == 0 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.count("a@example.com"), 1)
        # Its retry of the same message: answered as handled, not sent again.
        deadline = time.time() + 20
        while True:  # the first attempt may still be settling: 451 in progress until then
            try:
                self.assertEqual(self.send(["a@example.com"], message("lost")), {})
                break
            except smtplib.SMTPDataError as e:
                self.assertIn(b"being delivered", e.smtp_error)
                self.assertLess(time.time(), deadline)
                time.sleep(0.05)
        self.assertEqual(self.count("a@example.com"), 1)
        self.assert_write_ahead()

    def test_a_held_copy_is_not_held_twice(self):
        self.redis.command("HSET", f"{P}contact:{{deal@example.com}}", "deal_stage", "商談中")
        self.assertEqual(self.send(["deal@example.com"], message("h1")), {})
        self.assertEqual(self.send(["deal@example.com"], message("h1")), {})
        holds = self.k.cli("hold", "list")
        self.assertEqual(holds.returncode, 0, holds.stderr)
        held = [line for line in holds.stdout.splitlines() if "deal@example.com" in line]
        self.assertEqual(len(held), 1, holds.stdout)
        self.assertEqual([r["decision"] for r in self.records("deal@example.com")], ["hold", "drop"])
        self.assertIn("builtin:already-held", [r["rule"] for r in self.records("deal@example.com")])


class InDoubt(ExactlyOnce):
    def test_no_reply_after_the_final_dot_is_in_doubt_and_not_resent(self):
        self.peer.close_after_data = 1  # accepted, reply lost: the duplicate window
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(["a@example.com"], message("q1"))
        self.assertEqual(e.exception.smtp_code // 100, 4)
        self.assertEqual(self.count("a@example.com"), 1)
        outcome = [r for r in self.records("a@example.com") if r["decision"] == "outcome"]
        self.assertEqual([r["rule"] for r in outcome], ["builtin:in-doubt"])
        # The client's retry: not sent again (ledger.in_doubt: assume_delivered).
        self.assertEqual(self.send(["a@example.com"], message("q1")), {})
        self.assertEqual(self.count("a@example.com"), 1)
        self.assertIn("builtin:possibly-delivered", [r["rule"] for r in self.records("a@example.com")])


class InDoubtResend(ExactlyOnce):
    extra = "ledger:\n  in_doubt: resend\n"

    def test_resend_sends_an_in_doubt_copy_again(self):
        self.peer.close_after_data = 1
        with self.assertRaises(smtplib.SMTPDataError):
            self.send(["a@example.com"], message("q2"))
        self.assertEqual(self.send(["a@example.com"], message("q2")), {})
        self.assertEqual(self.count("a@example.com"), 2)  # the documented price of never losing it


class FailClosed(ExactlyOnce):
    def test_ledger_unreachable_after_rcpt_defers_and_sends_nothing(self):
        c = Line(self.k.ports["smtp"])
        self.assertTrue(c.reply().startswith("220"))
        c.cmd("EHLO client.example")
        c.cmd("MAIL FROM:<sender@example.org>")
        self.assertTrue(c.cmd("RCPT TO:<a@example.com>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        self.redis.stop()
        c.send(message("f1") + b".\r\n")
        reply = c.reply()
        self.assertTrue(reply.startswith("451"), reply)
        c.close()
        self.assertEqual(self.count("a@example.com"), 0)
        self.assertEqual([r["rule"] for r in self.records("a@example.com")], ["builtin:redis-unavailable"])


if __name__ == "__main__":
    unittest.main()
