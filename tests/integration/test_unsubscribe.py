"""Issue 5: one-click unsubscribe (RFC 8058, SPEC §10) and the admin HTTP server,
end to end: links made by `kizuna unsubscribe-url`, POSTed with curl exactly as
Gmail does, the opt-out in Redis enforced on the next message through the relay,
the confirmation page (a GET changes nothing), tampered tokens, scopes, key
rotation on reload, /healthz; issue 13: the link of a relayed copy names its
campaign, and `kizuna audit report --summary` counts a second click as no second
unsubscribe; every test ends with a verified audit chain."""
import json
import os
import re
import signal
import smtplib
import subprocess
import time

from harness import RelayTestCase, wait_for

P = "kizuna:"
BASE_URL = "https://u.example.com"
ONE_CLICK = "List-Unsubscribe=One-Click"


def message(category):
    return (f"From: news@example.org\r\nTo: undisclosed-recipients:;\r\nX-Kizuna-Category: {category}\r\n"
            f"Subject: {category}\r\n\r\nbody\r\n")


def curl(*args):
    """(status, body) of one curl run; body as text."""
    r = subprocess.run(["curl", "-sS", "-o", "-", "-w", "\n%{http_code}", *args], capture_output=True, timeout=30)
    out = r.stdout.decode("utf-8", errors="replace")
    body, _, code = out.rpartition("\n")
    if r.returncode != 0:
        raise AssertionError(f"curl failed ({r.returncode}): {r.stderr.decode(errors='replace')}")
    return int(code), body


def gmail_one_click(url):
    """The POST Gmail sends for List-Unsubscribe-Post: List-Unsubscribe=One-Click."""
    return curl("-X", "POST", "-H", "Content-Type: application/x-www-form-urlencoded", "--data", ONE_CLICK, url)


def altered(token):
    """The token with one character in its middle changed."""
    i = len(token) // 2
    return token[:i] + ("B" if token[i] != "B" else "C") + token[i + 1:]


class Unsubscribe(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.keys = os.path.join(self.tmp, "unsubscribe.keys")
        self.old_key = os.urandom(32).hex()
        with open(self.keys, "w") as f:
            f.write(f"# test key\n{self.old_key}\n")
        # As in production: receipts are transactional, so a "*" opt-out is decided
        # after DATA (the category is known then) and the copy dropped.
        policy = os.path.join(self.tmp, "categories.yaml")
        with open(policy, "w") as f:
            f.write("categories:\n  transactional: [receipt]\n")
        self.sink = self.start_sink()
        self.k = self.start_kizuna(
            f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
            extra_yaml=(f"policies: [{policy}]\n"
                        "admin_http:\n  listen: 127.0.0.1:0\n"
                        f"unsubscribe:\n  base_url: {BASE_URL}\n  mailto_domain: example.com\n"
                        f"  secret_file: {self.keys}\n"))
        self.admin = f"http://127.0.0.1:{self.k.admin_port()}"

    def tearDown(self):
        # Whatever a test did, the audit chain verifies.
        if hasattr(self, "k") and self.k.proc.poll() is None:
            r = self.k.cli("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        super().tearDown()

    def links(self, address, scope=None):
        """(local URL, mailto URI) from `kizuna unsubscribe-url`; the URL points at the admin server."""
        r = self.k.cli("unsubscribe-url", address, *(["--scope", scope] if scope else []))
        self.assertEqual(r.returncode, 0, r.stderr)
        url, mailto = r.stdout.splitlines()
        self.assertTrue(url.startswith(BASE_URL + "/u/"), url)
        return self.admin + url[len(BASE_URL):], mailto

    def url(self, address, scope=None):
        return self.links(address, scope)[0]

    def hget(self, key, field):
        reply = self.redis.command("HGET", key, field)
        if reply.startswith(b"$-1"):
            return None
        return reply.split(b"\r\n")[1].decode()

    def exists(self, key):
        return self.redis.command("EXISTS", key).startswith(b":1")

    def send(self, rcpts, msg):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            return c.sendmail("news@example.org", rcpts, msg.encode())

    def delivered(self):
        return sorted(r.strip("<>") for r, _ in self.sink.messages())

    def records(self, decision=None):
        return [(r["rcpt"], r["decision"], r["rule"], r["category"]) for r in self.k.audit_records()
                if decision is None or r["decision"] == decision]

    def test_gmail_one_click_opts_out_and_the_next_newsletter_is_dropped(self):
        url = self.url("Taro@Example.com")
        status, body = gmail_one_click(url)
        self.assertEqual(status, 200, body)
        value = self.hget(f"{P}optout:{{taro@example.com}}", "*")
        self.assertIsNotNone(value, "optout:{taro@example.com} has scope *")
        at, source, reason = value.split("|")
        self.assertEqual((source, reason), ("one-click", ""))
        self.assertLess(abs(int(at) - time.time()), 10)
        self.assertIn(("taro@example.com", "unsubscribe", "one-click", "*"), self.records())

        # At once (well within a second): the next newsletter is dropped and audited.
        started = time.monotonic()
        self.assertEqual(self.send(["taro@example.com", "hanako@example.com"], message("newsletter")), {})
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(self.delivered(), ["hanako@example.com"])
        self.assertIn(("taro@example.com", "drop", "builtin:optout", "newsletter"), self.records())
        # Mail the recipient must still get (transactional) is not affected.
        self.assertEqual(self.send(["taro@example.com"], message("receipt")), {})
        self.assertEqual(self.delivered(), ["hanako@example.com", "taro@example.com"])

    def test_mail_to_the_mailto_address_opts_out_and_is_not_relayed(self):
        _, mailto = self.links("Jiro@Example.com", "newsletter")
        self.assertTrue(mailto.startswith("mailto:unsubscribe+"), mailto)
        address = mailto[len("mailto:"):]
        self.assertGreater(len(address.split("@")[0]), 64, "longer than RFC 5321's 64: accepted anyway")
        # What a mailbox provider sends: a short message to the mailto address.
        self.assertEqual(self.send([address], "Subject: unsubscribe\r\n\r\nunsubscribe\r\n"), {})
        value = self.hget(f"{P}optout:{{jiro@example.com}}", "newsletter")
        self.assertIsNotNone(value)
        self.assertEqual(value.split("|")[1], "mailto")
        self.assertEqual(self.delivered(), [], "the unsubscribe mail itself is not relayed")
        self.assertIn(("jiro@example.com", "unsubscribe", "mailto", "newsletter"), self.records())
        # The next newsletter to that address is dropped; other categories still go.
        self.send(["jiro@example.com"], message("newsletter"))
        self.assertEqual(self.delivered(), [])
        self.send(["jiro@example.com"], message("step"))
        self.assertEqual(self.delivered(), ["jiro@example.com"])

    def test_mail_to_an_altered_mailto_token_is_refused_at_rcpt_and_changes_nothing(self):
        _, mailto = self.links("saburo@example.com")
        local, domain = mailto[len("mailto:"):].split("@")
        bad = "unsubscribe+" + altered(local[len("unsubscribe+"):]) + "@" + domain
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            c.ehlo()
            c.mail("someone@example.net")
            code, text = c.rcpt(bad)
        self.assertEqual(code, 550)
        self.assertFalse(self.exists(f"{P}optout:{{saburo@example.com}}"))
        self.assertEqual(self.records("unsubscribe"), [])
        # Counted like an invalid one-click token: route mailto, result invalid.
        status, text = curl(self.admin + "/metrics")
        self.assertEqual(status, 200)
        counts = {m.group(1): float(m.group(2)) for m in re.finditer(
            r'^kizuna_unsubscribe_requests_total\{route="mailto",result="(\w+)"\} (\S+)$', text, re.M)}
        self.assertEqual(counts.get("invalid"), 1.0, text)
        self.assertEqual(counts.get("opted_out"), 0.0, text)

    def test_a_second_click_keeps_the_first_opt_out_time(self):
        url = self.url("taro@example.com")
        self.assertEqual(gmail_one_click(url)[0], 200)
        key = f"{P}optout:{{taro@example.com}}"
        self.redis.command("HSET", key, "*", "1700000000|one-click|")
        self.assertEqual(gmail_one_click(url)[0], 200)
        self.assertEqual(self.hget(key, "*"), "1700000000|one-click|")
        self.assertEqual(self.records("unsubscribe"),
                         [("taro@example.com", "unsubscribe", "one-click", "*"),
                          ("taro@example.com", "unsubscribe", "builtin:already-opted-out", "*")],
                         "each request is audited; the second as a repeat")

    def one_click_url_of(self, rcpt):
        """The one-click URL in List-Unsubscribe of the copy relayed to rcpt, pointing at the admin server."""
        copies = [data for r, data in self.sink.messages() if r.strip("<>") == rcpt]
        self.assertEqual(len(copies), 1, f"one copy to {rcpt}")
        headers = copies[0].split(b"\r\n\r\n", 1)[0].decode("utf-8", errors="replace")
        headers = re.sub(r"\r?\n[ \t]+", " ", headers)
        m = re.search(r"^List-Unsubscribe: .*<" + re.escape(BASE_URL) + r"(/u/[A-Za-z0-9_-]+)>", headers, re.M)
        self.assertIsNotNone(m, headers)
        return self.admin + m.group(1)

    def test_a_copys_link_clicked_twice_is_one_unsubscribe_of_its_campaign(self):
        def campaign_message(campaign):
            return message("newsletter").replace("X-Kizuna-Category:", f"X-Kizuna-Campaign: {campaign}\r\n"
                                                                        "X-Kizuna-Category:")
        spring = ["taro@example.com", "hanako@example.com", "jiro@example.com", "shiro@example.com"]
        self.assertEqual(self.send(spring, campaign_message("spring")), {})
        self.assertEqual(self.send(["goro@example.com", "rokuro@example.com"], campaign_message("autumn")), {})
        url = self.one_click_url_of("taro@example.com")
        # Gmail's one-click, then the recipient clicks the same link again.
        self.assertEqual(gmail_one_click(url)[0], 200)
        self.assertEqual(gmail_one_click(url)[0], 200)
        self.assertEqual(self.hget(f"{P}optout:{{taro@example.com}}", "newsletter").split("|")[1], "one-click")
        unsubscribes = [(r["rcpt"], r["campaign"], r["category"], r["rule"]) for r in self.k.audit_records()
                        if r["decision"] == "unsubscribe"]
        self.assertEqual(unsubscribes, [("taro@example.com", "spring", "newsletter", "one-click"),
                                        ("taro@example.com", "spring", "newsletter", "builtin:already-opted-out")])

        r = self.k.cli("audit", "report", "--summary", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stderr)
        s = json.loads(r.stdout)
        rows = {c["campaign"]: c for c in s["campaigns"]}
        self.assertEqual(sorted(rows), ["autumn", "spring"])
        self.assertEqual((rows["spring"]["category"], rows["spring"]["relayed"], rows["spring"]["unsubscribes"],
                          rows["spring"]["unsubscribe_rate"]), ("newsletter", 4, 1, 0.25))
        self.assertEqual((rows["autumn"]["relayed"], rows["autumn"]["unsubscribes"],
                          rows["autumn"]["unsubscribe_rate"]), (2, 0, 0))
        self.assertEqual(s["categories"], [{"category": "newsletter", "relayed": 6, "unsubscribes": 1, "repeats": 1,
                                            "unsubscribe_rate": 1 / 6}])
        r = self.k.cli("audit", "report", "--summary")
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        at = lines.index("Unsubscribes by campaign:")
        self.assertEqual(lines[at + 1].split(), ["CAMPAIGN", "CATEGORY", "RELAYED", "UNSUBSCRIBES", "配信停止率"])
        self.assertEqual(lines[at + 2].split(), ["autumn", "newsletter", "2", "0", "0.00%"])
        self.assertEqual(lines[at + 3].split(), ["spring", "newsletter", "4", "1", "25.00%"])
        self.assertEqual(lines[-1].split(), ["newsletter", "6", "1", "16.67%"])

    def test_get_shows_the_confirmation_page_and_changes_nothing(self):
        url = self.url("taro@example.com", "newsletter")
        for _ in range(2):  # a link scanner and then the person
            status, page = curl("-H", "Accept: text/html", url)
            self.assertEqual(status, 200, page)
        self.assertIn('<html lang="ja">', page)
        self.assertIn('<form method="post">', page)
        self.assertIn('name="List-Unsubscribe" value="One-Click"', page)
        self.assertIn("配信を停止する / Unsubscribe", page)
        self.assertIn("t***@example.com", page)
        self.assertNotIn("taro@example.com", page)
        self.assertEqual(curl("-I", url)[0], 200)  # HEAD
        self.assertFalse(self.exists(f"{P}optout:{{taro@example.com}}"))
        self.assertEqual(self.records("unsubscribe"), [])

        # The page's button posts the one-click form, as a browser sends it.
        status, done = curl("-H", "Accept: text/html", "-H", "Content-Type: application/x-www-form-urlencoded",
                            "--data", ONE_CLICK, url)
        self.assertEqual(status, 200, done)
        self.assertIn("配信を停止しました", done)
        self.assertEqual(self.hget(f"{P}optout:{{taro@example.com}}", "newsletter").split("|")[1], "one-click")

    def test_token_altered_in_one_character_is_refused_and_changes_nothing(self):
        url = self.url("taro@example.com")
        prefix, token = url.rsplit("/", 1)
        bad = f"{prefix}/{altered(token)}"
        status, body = gmail_one_click(bad)
        self.assertEqual(status, 400, body)
        status, page = curl("-H", "Accept: text/html", bad)
        self.assertEqual(status, 400)
        self.assertIn("無効", page)
        self.assertEqual(gmail_one_click(f"{prefix}/{token[:-1]}")[0], 400)  # cut short
        self.assertEqual(gmail_one_click(f"{prefix}/{'A' * 600}")[0], 400)   # oversized
        self.assertFalse(self.exists(f"{P}optout:{{taro@example.com}}"))
        self.assertEqual(self.records("unsubscribe"), [])
        self.assertEqual(self.send(["taro@example.com"], message("newsletter")), {})
        self.assertEqual(self.delivered(), ["taro@example.com"])

    def test_a_post_that_is_not_one_click_is_refused(self):
        url = self.url("taro@example.com")
        for args in (["--data", "List-Unsubscribe=Yes"],
                     ["-H", "Content-Type: text/plain", "--data", ONE_CLICK],
                     ["-H", "Content-Type: application/json", "--data", '{"List-Unsubscribe":"One-Click"}'],
                     ["-X", "POST"]):
            status, _ = curl(*args, url)
            self.assertEqual(status, 400, args)
        self.assertFalse(self.exists(f"{P}optout:{{taro@example.com}}"))
        self.assertEqual(self.records("unsubscribe"), [])

    def test_newsletter_scope_blocks_newsletters_but_not_steps(self):
        self.assertEqual(gmail_one_click(self.url("taro@example.com", "newsletter"))[0], 200)
        self.assertIn(("taro@example.com", "unsubscribe", "one-click", "newsletter"), self.records())
        self.assertIsNone(self.hget(f"{P}optout:{{taro@example.com}}", "*"))
        self.send(["taro@example.com"], message("newsletter"))
        self.assertEqual(self.delivered(), [])
        self.send(["taro@example.com"], message("step"))
        self.assertEqual(self.delivered(), ["taro@example.com"])
        self.assertIn(("taro@example.com", "drop", "builtin:optout", "newsletter"), self.records())
        self.assertIn(("taro@example.com", "relay", "", "step"), self.records())

    def test_cli_prints_matching_url_and_mailto(self):
        url, mailto = self.links("taro@example.com", "newsletter")
        token = url.rsplit("/", 1)[1]
        self.assertEqual(mailto, f"mailto:unsubscribe+{token}@example.com")
        r = self.k.cli("unsubscribe-url", "not an address")
        self.assertEqual(r.returncode, 65)
        r = self.k.cli("unsubscribe-url", "taro@example.com", "--scope", "bad scope")
        self.assertEqual(r.returncode, 65)

    def test_key_rotation_on_reload(self):
        old_url = self.url("taro@example.com")
        with open(self.keys, "w") as f:
            f.write(f"{os.urandom(32).hex()}\n{self.old_key}\n")
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in self.k.read_log(), 10, "the reload")
        new_url = self.url("taro@example.com")
        self.assertNotEqual(new_url, old_url, "the new first key signs")
        self.assertEqual(gmail_one_click(old_url)[0], 200, "an old link works while its key is listed")
        self.assertEqual(gmail_one_click(new_url)[0], 200)

        with open(self.keys, "w") as f:  # the old key retired
            f.write(f"{os.urandom(32).hex()}\n")
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: self.k.read_log().count("reloaded") >= 2, 10, "the second reload")
        # The admin thread swaps its keys asynchronously: poll.
        wait_for(lambda: gmail_one_click(old_url)[0] == 400, 5, "the old link to be refused")

    def test_routes_and_methods(self):
        self.assertEqual(curl(self.admin + "/nothing")[0], 404)
        self.assertEqual(curl(self.admin + "/u/")[0], 404)
        self.assertEqual(curl("-X", "POST", self.admin + "/healthz")[0], 405)
        self.assertEqual(curl("-X", "DELETE", self.url("taro@example.com"))[0], 405)

    def test_healthz_checks_downstream_and_redis(self):
        status, body = curl(self.admin + "/healthz")
        self.assertEqual((status, body.strip()), (200, "ok"))
        self.sink.stop()
        status, body = curl(self.admin + "/healthz")
        self.assertEqual(status, 503, body)
        self.assertTrue(body.startswith("downstream: "), body)
        self.redis.stop()
        status, body = curl(self.admin + "/healthz")
        self.assertEqual(status, 503, body)
        lines = body.splitlines()
        self.assertEqual(len(lines), 2, body)
        self.assertTrue(lines[0].startswith("redis: "), body)
        # Without Redis a one-click POST changes nothing and says to retry.
        self.assertEqual(gmail_one_click(self.url("taro@example.com"))[0], 503)
        self.assertEqual(self.records("unsubscribe"), [])


if __name__ == "__main__":
    import unittest
    unittest.main()
