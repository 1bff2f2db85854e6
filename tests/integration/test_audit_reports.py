"""Issue 5, audit part: `kizuna audit query` and `kizuna audit report` over the audit
log the real relay wrote. A known mix goes through kizuna (redis-server, smtp-sink):
3 relayed, 1 dropped by the built-in opt-out rule, 1 held, 1 deferred. Queries by
recipient (normalized), decision, rule, campaign and time find exactly those
records, the table and the summary counts equal the known mix, and the opt-out
report is clean; an opt-out written afterwards with an earlier time makes the report
list exactly the delivery that followed it, and exit 1."""
import json
import os
import smtplib
import subprocess
import time

from harness import KIZUNA, RelayTestCase, settled_audit_lines

P = "kizuna:"

POLICY = """\
categories:
  transactional: [receipt]
  default: newsletter
optout:
  action: drop
rules:
  - id: deal-negotiating
    description: held for the account owner
    match: { field: contact.deal_stage, equals: 商談中 }
    action: hold
  - id: busy-contact
    description: newsletters deferred while the contact is busy (decided after DATA, with the campaign)
    match:
      all:
        - campaign.category: newsletter
        - field: contact.busy
          exists: true
    action: defer
"""

RELAYED = ["a@example.com", "b@example.com", "c@example.com"]
OPTED_OUT = "gone@example.com"
HELD = "deal@example.com"
DEFERRED = "busy@example.com"


def message(msgid, campaign="spring", category="newsletter"):
    return (f"From: sales@example.org\r\nTo: undisclosed-recipients:;\r\nMessage-ID: <{msgid}@example.org>\r\n"
            f"X-Kizuna-Campaign: {campaign}\r\nX-Kizuna-Category: {category}\r\nSubject: hello\r\n\r\nbody\r\n")


def kizuna(*args):
    return subprocess.run([KIZUNA, *args], capture_output=True, text=True, timeout=60)


class AuditReports(RelayTestCase):
    def setUp(self):
        super().setUp()
        policy_dir = os.path.join(self.tmp, "policies")
        os.makedirs(policy_dir)
        with open(os.path.join(policy_dir, "10-test.yaml"), "w", encoding="utf-8") as f:
            f.write(POLICY)
        self.sink = self.start_sink()
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
                                   extra_yaml=f"policies: [{policy_dir}/*.yaml]\n")
        self.log = os.path.join(self.tmp, "state", "audit.jsonl")
        for a in RELAYED:
            self.redis.command("HSET", f"{P}contact:{{{a}}}", "last_name", "山田")
        self.redis.command("HSET", f"{P}contact:{{{HELD}}}", "deal_stage", "商談中")
        self.redis.command("HSET", f"{P}contact:{{{DEFERRED}}}", "busy", "yes")
        self.redis.command("HSET", f"{P}optout:{{{OPTED_OUT}}}", "*", "1700000000|cli|")
        self.started = time.time()
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            self.assertEqual(c.sendmail("sales@example.org", RELAYED + [OPTED_OUT, HELD], message("m1").encode()), {})
        with self.assertRaises(smtplib.SMTPDataError) as e:
            with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
                c.sendmail("sales@example.org", [DEFERRED], message("m2").encode())
        self.assertEqual(e.exception.smtp_code, 450)
        self.assertEqual(sorted(r.strip("<>") for r, _ in self.sink.messages()), RELAYED)
        self.lines = settled_audit_lines(self.log)
        self.records = [json.loads(line) for line in self.lines]
        # Per relayed copy a write-ahead relay record, then its outcome (issue 11): 3 + 3 + drop, hold, defer.
        self.assertEqual(len(self.records), 9, self.lines)
        for a in RELAYED:
            mine = [rec for rec in self.records if rec["rcpt"] == a]
            self.assertEqual([rec["decision"] for rec in mine], ["relay", "outcome"], mine)
            self.assertEqual(mine[0]["downstream_reply"], "")
            self.assertEqual(mine[0]["copy_id"], mine[1]["copy_id"])
            self.assertTrue(mine[1]["downstream_reply"].startswith("250"), mine)

    def query(self, *args):
        r = self.k.cli("audit", "query", *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        return r.stdout.splitlines()

    def stored(self, rcpt):
        return [line for line, rec in zip(self.lines, self.records) if rec["rcpt"] == rcpt]

    def test_query_by_recipient_prints_the_stored_lines(self):
        self.assertEqual(self.query("--rcpt", " A@Example.COM "), self.stored("a@example.com"))
        self.assertEqual(self.query("--rcpt", OPTED_OUT), self.stored(OPTED_OUT))
        self.assertEqual(self.query("--rcpt", "nobody@example.com"), [])
        # --log names the file directly; the same lines.
        r = kizuna("audit", "query", "--log", self.log, "--rcpt", HELD)
        self.assertEqual((r.returncode, r.stdout.splitlines()), (0, self.stored(HELD)))

    def test_query_by_decision_rule_and_campaign(self):
        def rcpts(lines):
            return sorted(json.loads(line)["rcpt"] for line in lines)

        relayed = self.query("--decision", "relay")
        self.assertEqual(rcpts(relayed), RELAYED)
        for line in relayed:
            self.assertEqual(json.loads(line)["downstream_reply"], "", line)
        outcomes = self.query("--decision", "outcome")
        self.assertEqual(rcpts(outcomes), RELAYED)
        for line in outcomes:
            self.assertTrue(json.loads(line)["downstream_reply"].startswith("250"), line)
        self.assertEqual(rcpts(self.query("--decision", "drop")), [OPTED_OUT])
        self.assertEqual(rcpts(self.query("--decision", "hold", "--decision", "defer")), sorted([HELD, DEFERRED]))
        self.assertEqual(rcpts(self.query("--rule", "builtin:optout")), [OPTED_OUT])
        self.assertEqual(rcpts(self.query("--rule", "busy-contact", "--decision", "defer")), [DEFERRED])
        self.assertEqual(self.query("--rule", "busy-contact", "--decision", "relay"), [])
        self.assertEqual(len(self.query("--campaign", "spring")), 9)
        self.assertEqual(self.query("--campaign", "autumn"), [])

    def test_query_by_time(self):
        self.assertEqual(len(self.query("--since", "2000-01-01")), 9)
        self.assertEqual(len(self.query("--since", str(int(self.started)))), 9)
        self.assertEqual(self.query("--until", str(int(self.started))), [])
        self.assertEqual(self.query("--since", "2999-01-01T00:00:00+09:00"), [])
        r = self.k.cli("audit", "query", "--since", "yesterday")
        self.assertEqual(r.returncode, 64)
        self.assertIn("--since", r.stderr)

    def test_query_table(self):
        lines = self.query("--format", "table")
        self.assertEqual(len(lines), 10)
        header = lines[0].split()
        self.assertEqual(header, ["TS", "DECISION", "RCPT", "CAMPAIGN", "CATEGORY", "RULE", "DOWNSTREAM", "REPLY"])
        rows = {line.split()[2]: line.split() for line in lines[1:]}
        self.assertEqual(sorted(rows), sorted(RELAYED + [OPTED_OUT, HELD, DEFERRED]))
        self.assertEqual(rows[DEFERRED][1:6], ["defer", DEFERRED, "spring", "newsletter", "busy-contact"])
        self.assertEqual(rows[OPTED_OUT][1:7], ["drop", OPTED_OUT, "spring", "newsletter", "builtin:optout", "-"])
        self.assertEqual(rows["a@example.com"][1], "outcome")  # the later of its two lines
        self.assertEqual(rows["a@example.com"][6], "250")
        # Fixed width: every column starts at the same place on every line.
        for line in lines[1:]:
            self.assertEqual(line.index(line.split()[1]), lines[0].index("DECISION"), line)
        self.assertEqual(self.query("--format", "table", "--rcpt", "nobody@example.com"), [])

    def test_summary_counts_equal_the_mix(self):
        r = self.k.cli("audit", "report", "--summary", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        self.assertEqual(s["records"], 9)
        self.assertEqual(s["campaigns"], [{
            "campaign": "spring", "category": "newsletter", "relayed": 3, "failed": 0, "dropped": 1,
            "rejected": 0, "deferred": 1, "deferred_by_rule": {"busy-contact": 1}, "held": 1, "discarded": 0,
            "unsubscribes": 0, "unsubscribe_rate": 0}])
        self.assertEqual(s["categories"], [{"category": "newsletter", "relayed": 3, "unsubscribes": 0, "repeats": 0,
                                            "unsubscribe_rate": 0}])

        r = self.k.cli("audit", "report", "--summary")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["CAMPAIGN", "CATEGORY", "RELAYED", "FAILED", "DROPPED", "REJECTED",
                                            "DEFERRED", "HELD", "DISCARDED"])
        self.assertEqual(lines[1].split(), ["spring", "newsletter", "3", "0", "1", "0", "1", "1", "0"])
        self.assertIn("Deferred by rule:", lines)
        rule_row = lines[lines.index("Deferred by rule:") + 2].split()
        self.assertEqual(rule_row, ["spring", "newsletter", "busy-contact", "1"])
        self.assertEqual(lines[-2].split(), ["CATEGORY", "RELAYED", "UNSUBSCRIBES", "配信停止率"])
        self.assertEqual(lines[-1].split(), ["newsletter", "3", "0", "0.00%"])

        r = kizuna("audit", "report", "--summary", "--log", self.log, "--until", str(int(self.started)),
                   "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"records": 0, "campaigns": [], "categories": []})

    def test_optout_report_is_clean_after_the_mixed_run(self):
        r = self.k.cli("audit", "report", "--optouts")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "0 deliveries after opt-out\n")

    def test_optout_report_lists_a_delivery_after_an_earlier_optout(self):
        b = [rec for rec in self.records if rec["rcpt"] == "b@example.com" and rec["decision"] == "outcome"][0]
        earlier = self.started - 60  # before any delivery of the run
        # b opted out (all categories) before its copy went out: a violation.
        self.redis.command("HSET", f"{P}optout:{{b@example.com}}", "*", f"{int(earlier)}|cli|")
        # Not violations: an opt-out of another category, one after the delivery, a domain of nobody.
        self.redis.command("HSET", f"{P}optout:{{c@example.com}}", "step", f"{int(earlier)}|cli|")
        self.redis.command("HSET", f"{P}optout:{{a@example.com}}", "*", f"{int(time.time()) + 3600}|cli|")
        self.redis.command("HSET", f"{P}optout-domain:elsewhere.example", "*", f"{int(earlier)}|admin|")
        r = self.k.cli("audit", "report", "--optouts")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(int(earlier)))
        self.assertEqual(lines[0],
                         f"b@example.com scope=* opted_out_at={at} delivered_at={b['ts']} rcpt=b@example.com "
                         f"campaign=spring category=newsletter message_id=<m1@example.org>")
        self.assertEqual(lines[1], "1 delivery after opt-out")

        # A domain opt-out covers every address of the domain: a, b and c.
        self.redis.command("HSET", f"{P}optout-domain:example.com", "newsletter", f"{int(earlier) - 60}|admin|")
        r = self.k.cli("audit", "report", "--optouts")
        self.assertEqual(r.returncode, 1)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[-1], "3 deliveries after opt-out")
        self.assertEqual(sorted(line.split()[0] for line in lines[:-1]), ["@example.com"] * 3)

    def test_help_and_usage(self):
        r = kizuna("audit", "--help")
        self.assertEqual(r.returncode, 0)
        for command in ("verify", "query", "report"):
            self.assertIn(f"  {command} ", r.stdout)
        for args in (["audit", "query", "--help"], ["audit", "report", "--help"]):
            r = kizuna(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("usage: kizuna audit", r.stdout)
        for args in (["audit", "report"], ["audit", "report", "--optouts", "--summary", "--log", self.log],
                     ["audit", "report", "--optouts", "--log", self.log], ["audit", "query"],
                     ["audit", "query", "--log", self.log, "--decision", "sent"],
                     ["audit", "query", "--log", self.log, "--format", "csv"],
                     ["audit", "query", "--log", self.log, "--rcpt", "not an address"],
                     ["audit", "query", "--log", self.log, "--bogus"]):
            self.assertEqual(kizuna(*args).returncode, 64, args)
        r = kizuna("audit", "query", "--log", os.path.join(self.tmp, "missing.jsonl"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no audit log at", r.stderr)
        self.assertEqual(r.stdout, "")


if __name__ == "__main__":
    import unittest
    unittest.main()
