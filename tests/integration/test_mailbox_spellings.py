"""Issue 10, defect 1 end to end: one mailbox is one key however a client spells
it. alice@example.com opted out (by `kizuna optout add` and by one-click) was
relayed when RCPT TO named her as "alice"@example.com, "Alice"@Example.Com,
"al\\ice"@example.com or with an IDN domain; `kizuna audit report --optouts`
did not see those deliveries either. Here every spelling is dropped as opted
out, nothing reaches the downstream, each entry point (optout add/check/remove,
one-click, hold release) uses the one key, and the report stays honest."""
import os
import smtplib
import subprocess
import unittest
import urllib.parse
import urllib.request

from harness import KIZUNA, RelayTestCase

P = "kizuna:"

SPELLINGS_OF_ALICE = ['"alice"@example.com', '"Alice"@Example.Com', '"al\\ice"@example.com',
                      '"\\a\\l\\i\\c\\e"@EXAMPLE.COM', "ALICE@example.com", "alice@example\uff0ecom",
                      "alice@example\u3002com"]
SPELLINGS_OF_TARO = ['"taro"@bücher.example', '"Taro"@XN--BCHER-KVA.example', "taro@BU\u0308CHER.example"]


def message(rcpt_header="undisclosed-recipients:;"):
    return (f"From: news@example.org\r\nTo: {rcpt_header}\r\nMessage-ID: <spell@example.org>\r\n"
            "X-Kizuna-Campaign: spelling\r\nX-Kizuna-Category: newsletter\r\nSubject: hello\r\n\r\nhi\r\n").encode()


class MailboxSpellings(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.sink = self.start_sink()
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
                                   extra_yaml="admin_http:\n  listen: 127.0.0.1:0\n" + self.unsubscribe_yaml())

    def cli(self, *args):
        r = self.k.cli(*args)
        return r

    def send(self, rcpts):
        """One message to each recipient (SMTPUTF8 when a spelling needs it); the refused ones."""
        refused = {}
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=30) as s:
            s.ehlo("client.example")
            for rcpt in rcpts:
                options = ["SMTPUTF8"] if any(ord(c) > 127 for c in rcpt) else []
                try:
                    s.sendmail("news@example.org", [rcpt], message(), mail_options=options)
                except smtplib.SMTPRecipientsRefused as e:
                    refused.update(e.recipients)
        return refused

    def decisions(self):
        return [(r["rcpt"], r["decision"], r.get("rule", "")) for r in self.k.audit_records()]

    def test_every_spelling_of_an_opted_out_mailbox_is_dropped(self):
        self.assertEqual(self.cli("optout", "add", "alice@example.com").returncode, 0)
        self.assertEqual(self.cli("optout", "add", "taro@bücher.example").returncode, 0)
        refused = self.send(SPELLINGS_OF_ALICE + SPELLINGS_OF_TARO)
        self.assertTrue(all(code == 550 for code, _ in refused.values()), refused)
        got = self.decisions()
        self.assertEqual(len(got), len(SPELLINGS_OF_ALICE) + len(SPELLINGS_OF_TARO), got)
        for rcpt, decision, rule in got:
            self.assertIn(rcpt, ("alice@example.com", "taro@xn--bcher-kva.example"))
            # A "*" opt-out is decided at RCPT (550) or, when DATA is needed, dropped after it.
            self.assertIn(decision, ("reject", "drop"), rcpt)
            self.assertEqual(rule, "builtin:optout", rcpt)
        self.assertEqual(self.sink.messages(), [])
        # The report sees the drops as what they are: nothing delivered after the opt-out.
        r = self.cli("audit", "report", "--optouts")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_optout_cli_takes_any_spelling_to_the_one_key(self):
        r = self.cli("optout", "add", '"Bob"@Example.com')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.redis.command("EXISTS", f"{P}optout:{{bob@example.com}}"), b":1\r\n")
        for spelling in ("bob@example.com", '"b\\ob"@EXAMPLE.com', "BOB@example\uff0ecom"):
            self.assertEqual(self.cli("optout", "check", spelling).returncode, 0, spelling)
        self.assertEqual(self.cli("optout", "remove", '"bob"@example.com').returncode, 0)
        self.assertEqual(self.redis.command("EXISTS", f"{P}optout:{{bob@example.com}}"), b":0\r\n")
        # A mailbox that needs its quotes keeps them, in one spelling.
        self.assertEqual(self.cli("optout", "add", '"carol smith"@example.com').returncode, 0)
        self.assertEqual(self.cli("optout", "check", '"Carol\\ Smith"@example.com').returncode, 0)
        self.assertNotEqual(self.cli("optout", "check", "carolsmith@example.com").returncode, 0)

    def test_one_click_for_a_quoted_spelling_opts_out_the_mailbox(self):
        r = self.cli("unsubscribe-url", '"Dave"@example.com')
        self.assertEqual(r.returncode, 0, r.stderr)
        url = next(w for w in r.stdout.split() if w.startswith("https://"))
        path = urllib.parse.urlsplit(url).path[len("/kizuna"):]
        req = urllib.request.Request(f"http://127.0.0.1:{self.k.admin_port()}{path}",
                                     data=b"List-Unsubscribe=One-Click", method="POST")
        with urllib.request.urlopen(req, timeout=10) as resp:
            self.assertEqual(resp.status, 200)
        self.assertEqual(self.redis.command("EXISTS", f"{P}optout:{{dave@example.com}}"), b":1\r\n")
        self.send(['"dave"@example.com'])
        self.assertEqual(self.sink.messages(), [])


if __name__ == "__main__":
    unittest.main()
