"""Issue 3, acceptance 2 and 3: the shipped example policies (policies/*.yaml)
enforced end to end with a real redis-server and Postfix's smtp-sink: opt-outs
(address, domain, category), complaint exclusions, the negotiating hold queue,
the newsletter cap, the Kansai-only segment guard, reloads; every decision in
the audit log, and the chain verifies."""
import datetime
import glob
import os
import shutil
import signal
import smtplib
import subprocess
import time
import unittest

from harness import KIZUNA, SOURCE_DIR, Line, RelayTestCase, wait_for

P = "kizuna:"


def zone_with_local_hour(hour):
    """An IANA Etc/GMT zone whose local hour is `hour` now (POSIX sign: Etc/GMT-9 is UTC+9)."""
    offset = (hour - datetime.datetime.now(datetime.timezone.utc).hour) % 24
    if offset > 14:
        offset -= 24
    return "UTC" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


DAY = zone_with_local_hour(13)  # well inside 08:00-21:00 whatever the minute
NIGHT = zone_with_local_hour(23)


def message(category=None, campaign=None, subject="hello"):
    head = "From: sales@example.org\r\nTo: undisclosed-recipients:;\r\n"
    if category:
        head += f"X-Kizuna-Category: {category}\r\n"
    if campaign:
        head += f"X-Kizuna-Campaign: {campaign}\r\n"
    return f"{head}Subject: {subject}\r\n\r\nbody\r\n"


class Policies(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.policy_dir = os.path.join(self.tmp, "policies")
        shutil.copytree(os.path.join(SOURCE_DIR, "policies"), self.policy_dir)
        self.sink = self.start_sink()
        self.k = self.start_kizuna(
            f"  host: 127.0.0.1\n  port: {self.sink.port}",
            protocols=("smtp", "lmtp", ("news", "smtp", "    category: newsletter\n")),
            # The shipped footers carry {{unsubscribe_url}}: without links, copies would be held.
            extra_yaml=f"policies: [{self.policy_dir}/*.yaml]\n" + self.unsubscribe_yaml())

    def contact(self, addr, **fields):
        fields.setdefault("timezone", DAY)
        args = []
        for k, v in fields.items():
            args += [k, v]
        self.redis.command("HSET", f"{P}contact:{{{addr}}}", *args)

    def send(self, rcpts, msg, port="smtp"):
        with smtplib.SMTP("127.0.0.1", self.k.ports[port], timeout=20) as c:
            return c.sendmail("sales@example.org", rcpts, msg.encode())

    def delivered(self):
        return sorted(r.strip("<>") for r, _ in self.sink.messages())

    def decisions(self):
        return [(r["rcpt"], r["decision"], r["rule"]) for r in self.k.audit_records()]

    def tearDown(self):
        # Acceptance 3: whatever a test did, the audit chain verifies.
        if hasattr(self, "k") and self.k.proc.poll() is None:
            r = self.k.cli("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        super().tearDown()

    def test_address_optout_blocks_that_address_for_marketing_only(self):
        for a in ("optout@example.com", "other@example.com"):
            self.contact(a)
        self.redis.command("HSET", f"{P}optout:{{optout@example.com}}", "*", "1700000000|cli|")
        self.assertEqual(self.send(["optout@example.com", "other@example.com"], message("newsletter")), {})
        self.assertEqual(self.delivered(), ["other@example.com"])
        self.assertIn(("optout@example.com", "drop", "builtin:optout"), self.decisions())
        # A transactional message still reaches it (declared transactional in 10-categories.yaml).
        self.assertEqual(self.send(["optout@example.com"], message("receipt")), {})
        self.assertEqual(self.delivered(), ["optout@example.com", "other@example.com"])

    def test_optout_on_a_fixed_category_listener_is_refused_at_rcpt(self):
        self.contact("optout@example.com")
        self.redis.command("HSET", f"{P}optout:{{optout@example.com}}", "*", "1700000000|cli|")
        with smtplib.SMTP("127.0.0.1", self.k.ports["news"], timeout=20) as c:
            c.ehlo()
            c.mail("sales@example.org")
            code, text = c.rcpt("optout@example.com")
        self.assertEqual(code, 550)
        self.assertTrue(text.startswith(b"5.7.1"))
        self.assertEqual(self.delivered(), [])
        self.assertIn(("optout@example.com", "reject", "builtin:optout"), self.decisions())

    def test_domain_optout_blocks_every_address_of_the_domain(self):
        for a in ("a@blocked.example", "b@blocked.example", "c@open.example"):
            self.contact(a)
        self.redis.command("HSET", f"{P}optout-domain:blocked.example", "*", "1700000000|admin|")
        self.send(["a@blocked.example", "b@blocked.example", "c@open.example"], message("newsletter"))
        self.assertEqual(self.delivered(), ["c@open.example"])

    def test_category_optout_blocks_that_category_only(self):
        self.contact("cat@example.com")
        self.redis.command("HSET", f"{P}optout:{{cat@example.com}}", "newsletter", "1700000000|one-click|")
        self.send(["cat@example.com"], message("newsletter"))
        self.assertEqual(self.delivered(), [])
        self.send(["cat@example.com"], message("step"))
        self.assertEqual(self.delivered(), ["cat@example.com"])

    def test_open_complaint_drops_and_expired_complaint_relays(self):
        now = int(time.time())
        self.contact("angry@example.com")
        self.contact("calm@example.com")
        self.redis.command("HSET", f"{P}exclusion:{{angry@example.com}}", "complaint", f"{now + 86400}|ticket 42")
        self.redis.command("HSET", f"{P}exclusion:{{calm@example.com}}", "complaint", f"{now - 60}|ticket 7")
        self.assertEqual(self.send(["angry@example.com", "calm@example.com"], message("newsletter")), {})
        self.assertEqual(self.delivered(), ["calm@example.com"])
        self.assertIn(("angry@example.com", "drop", "complaint-open"), self.decisions())
        self.assertIn(("calm@example.com", "relay", ""), self.decisions())

    def test_negotiating_contact_is_held_listed_and_released(self):
        self.contact("deal@example.com", deal_stage="商談中")
        self.assertEqual(self.send(["deal@example.com"], message("newsletter", "spring")), {})
        self.assertEqual(self.delivered(), [])
        listing = self.k.cli("hold", "list")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn("deal@example.com", listing.stdout)
        self.assertIn("deal-negotiating", listing.stdout)
        hold_id = listing.stdout.splitlines()[1].split()[0]
        shown = self.k.cli("hold", "show", hold_id)
        self.assertIn("deal-negotiating: matched", shown.stdout)
        self.assertNotIn("商談中", shown.stdout.split("message:")[0], "the trace holds no field values")
        released = self.k.cli("hold", "release", hold_id)
        self.assertEqual(released.returncode, 0, released.stderr)
        wait_for(lambda: self.delivered() == ["deal@example.com"], 10, "the released copy")
        self.assertNotIn(hold_id, self.k.cli("hold", "list").stdout)
        decisions = self.decisions()
        self.assertIn(("deal@example.com", "hold", "deal-negotiating"), decisions)
        self.assertIn(("deal@example.com", "release", "deal-negotiating"), decisions)
        # Write-ahead: the release before the copy left, its outcome after (issue 11).
        mine = [(r["decision"], r.get("copy_id"), r["downstream_reply"][:3]) for r in self.k.audit_records()
                if r["decision"] in ("release", "outcome")]
        self.assertEqual(mine, [("release", hold_id, ""), ("outcome", hold_id, "250")])

    def test_release_after_optout_is_refused(self):
        self.contact("deal@example.com", deal_stage="商談中")
        self.send(["deal@example.com"], message("newsletter"))
        hold_id = self.k.cli("hold", "list").stdout.splitlines()[1].split()[0]
        self.redis.command("HSET", f"{P}optout:{{deal@example.com}}", "*", f"{int(time.time())}|one-click|")
        r = self.k.cli("hold", "release", hold_id)
        self.assertEqual(r.returncode, 1)
        self.assertIn("opted out", r.stderr)
        self.assertEqual(self.delivered(), [])
        self.assertIn(hold_id, self.k.cli("hold", "list").stdout, "a refused copy stays held")

    def test_fourth_newsletter_within_seven_days_is_dropped_with_the_reason(self):
        self.contact("reader@example.com")
        for i in range(3):
            self.assertEqual(self.send(["reader@example.com"], message("newsletter", subject=f"n{i}")), {})
        # Accepted (no 7-day retries past the sender's queue lifetime), not sent, audited.
        self.assertEqual(self.send(["reader@example.com"], message("newsletter", subject="n3")), {})
        self.assertEqual(len(self.delivered()), 3)
        # Other categories do not count against the newsletter cap.
        self.assertEqual(self.send(["reader@example.com"], message("step")), {})
        self.assertEqual(len(self.delivered()), 4)
        self.assertIn(("reader@example.com", "drop", "newsletter-cap"), self.decisions())

    def test_quiet_hours_defer_marketing_but_not_receipts(self):
        self.contact("sleeping@example.com", timezone=NIGHT)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(["sleeping@example.com"], message("newsletter"))
        self.assertEqual(e.exception.smtp_code, 450)
        self.assertEqual(self.send(["sleeping@example.com"], message("receipt")), {})
        self.assertEqual(self.delivered(), ["sleeping@example.com"])

    def test_kansai_only_campaign_never_reaches_kanto(self):
        self.contact("osaka@example.com", region="関西")
        self.contact("tokyo@example.com", region="関東")
        self.send(["osaka@example.com", "tokyo@example.com"], message("newsletter", "kansai-spring-2026"))
        self.assertEqual(self.delivered(), ["osaka@example.com"])
        self.assertIn(("tokyo@example.com", "drop", "kansai-only"), self.decisions())

    def test_lmtp_reports_each_recipient_decision(self):
        self.contact("ok@example.com")
        self.contact("sleeping@example.com", timezone=NIGHT)
        self.redis.command("HSET", f"{P}optout:{{gone@example.com}}", "*", "1700000000|cli|")
        rcpts = ["ok@example.com", "sleeping@example.com", "gone@example.com"]
        c = Line(self.k.ports["lmtp"])
        self.addCleanup(c.close)
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("LHLO client.example").startswith("250"))
        self.assertTrue(c.cmd("MAIL FROM:<sales@example.org>").startswith("250"))
        for r in rcpts:  # the category is not known yet: every RCPT is accepted
            self.assertTrue(c.cmd(f"RCPT TO:<{r}>").startswith("250"))
        self.assertTrue(c.cmd("DATA").startswith("354"))
        c.send(message("newsletter") + ".\r\n")
        replies = [c.reply() for _ in rcpts]
        self.assertTrue(replies[0].startswith("250"), replies)
        self.assertTrue(replies[1].startswith("450 4.7.1"), replies)
        self.assertTrue(replies[2].startswith("550 5.7.1"), replies)
        self.assertEqual(self.delivered(), ["ok@example.com"])

    def test_control_headers_are_stripped_from_relayed_copies(self):
        self.contact("ok@example.com")
        self.send(["ok@example.com"], message("newsletter", "spring"))
        (_, data), = self.sink.messages()
        self.assertNotIn(b"X-Kizuna-", data)
        self.assertIn(b"Subject: hello", data)
        intent, outcome = [r for r in self.k.audit_records() if r["decision"] in ("relay", "outcome")]
        for record in (intent, outcome):
            self.assertEqual((record["campaign"], record["category"]), ("spring", "newsletter"))
        self.assertEqual((intent["decision"], intent["downstream_reply"]), ("relay", ""))
        self.assertEqual(outcome["copy_id"], intent["copy_id"])
        self.assertTrue(outcome["downstream_reply"].startswith("250"))

    def test_audit_verify_finds_tampering_in_the_relays_own_log(self):
        for a in ("a@example.com", "b@example.com", "c@example.com", "d@example.com"):
            self.contact(a)
        self.redis.command("HSET", f"{P}optout:{{b@example.com}}", "*", "1700000000|cli|")
        self.send(["a@example.com", "b@example.com", "c@example.com", "d@example.com"], message("newsletter"))
        self.k.audit_records()  # the outcomes are in too
        self.assertEqual(self.k.cli("audit", "verify").returncode, 0)
        log = os.path.join(self.tmp, "state", "audit.jsonl")
        with open(log, encoding="utf-8") as f:
            lines = f.readlines()
        self.assertGreaterEqual(len(lines), 4)

        def verify(tampered, name):
            path = os.path.join(self.tmp, name)
            with open(path, "w", encoding="utf-8") as f:
                f.writelines(tampered)
            return subprocess.run([KIZUNA, "audit", "verify", "--log", path], capture_output=True, text=True)

        edited = list(lines)
        edited[1] = edited[1].replace('"drop"', '"relay"') if '"drop"' in edited[1] else edited[1].replace("@", "@x")
        deleted = lines[:1] + lines[2:]
        swapped = [lines[0], lines[2], lines[1]] + lines[3:]
        for name, tampered in (("edited", edited), ("deleted", deleted), ("swapped", swapped)):
            r = verify(tampered, name + ".jsonl")
            self.assertEqual(r.returncode, 1, name)
            self.assertIn(f"{name}.jsonl:2:", r.stderr + r.stdout, name)

    def test_sighup_with_broken_policy_keeps_old_rules(self):
        now = int(time.time())
        self.contact("angry@example.com")
        self.redis.command("HSET", f"{P}exclusion:{{angry@example.com}}", "complaint", f"{now + 86400}|open")
        with open(os.path.join(self.policy_dir, "90-broken.yaml"), "w") as f:
            f.write("rules:\n  - id: broken\n    match: { sparkle: true }\n    action: relay\n")
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: "reload refused" in self.k.read_log(), 10, "the reload to be refused")
        self.assertIn("90-broken.yaml:3:", self.k.read_log())
        self.send(["angry@example.com"], message("newsletter"))
        self.assertEqual(self.delivered(), [], "the complaint rule is still enforced")
        self.assertIn(("angry@example.com", "drop", "complaint-open"), self.decisions())


if __name__ == "__main__":
    unittest.main()
