"""Issue 12: copies DKIM-signed after personalization, aligned with each
persona's domain, checked by three independent verifiers on exactly the bytes
the downstream received (dkim_verifiers.py: dkimpy, Mail::DKIM, OpenDKIM, all
offline with the test keys).

Acceptance 1: the MIME fixture corpus plus generated corner cases (ISO-2022-JP,
Shift_JIS, base64, QP, 8bit, multipart with attachment, folded RFC 2047
subjects, empty body, body without final newline), RSA and Ed25519 signing
together; every signature verifies with every verifier that implements its
algorithm (Mail::DKIM 1.20230212 on Debian 12 has no Ed25519: its result is
"unsupported", never a failure).
Acceptance 2: personas on two domains and one on a subdomain of a keyed domain:
each copy's d= is its From's domain or that domain's keyed parent.
Acceptance 3: a marketing copy's List-Unsubscribe and List-Unsubscribe-Post are
in h= of a verifying signature (RFC 8058 §4).
Also: on_missing_key (hold default, defer, unsigned, default), a message with
two From fields, upstream DKIM-Signature fields removed, the signature above
our Received, the audit record naming d= and s=, key rotation by reload and a
bad key refusing the reload."""
import glob
import os
import re
import shutil
import signal
import smtplib
import unittest

from dkim_verifiers import (KeyRecord, ed25519_keypair, rsa_keypair, signature_fields, verify_dkimpy,
                            verify_mail_dkim, verify_opendkim)
from harness import SOURCE_DIR, RelayTestCase, wait_for
from peers import ScriptedPeer

P = "kizuna:"
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "mime")

# Without personas each copy keeps the message's own From.
PLAIN_POLICY = """\
categories:
  default: newsletter
"""

POLICY = """\
categories:
  transactional: [receipt]
  default: newsletter
personas:
  - id: tanaka
    display_name: 田中 一郎（営業部）
    address: tanaka@example.com
  - id: shop
    display_name: Shop Team
    address: sales@shop.example.net
  - id: news
    display_name: News
    address: news@mail.example.com
  - id: stranger
    display_name: Nobody
    address: nobody@unkeyed.example.org
persona_assignment:
  from_field: contact.owner
  header: true
  default: tanaka
merge:
  on_missing_field: blank
"""


def wire(text):
    """A message file as bytes with CRLF line ends."""
    data = text if isinstance(text, bytes) else text.encode()
    return re.sub(rb"\r?\n", b"\r\n", data)


class Dkim(RelayTestCase):
    on_missing_key = None  # the config default
    extra_dkim = ""
    extra_yaml = ""
    policy_text = POLICY

    def setUp(self):
        super().setUp()
        self.keys = os.path.join(self.tmp, "keys")
        os.makedirs(self.keys)
        self.rsa, rsa_txt = rsa_keypair(self.keys)
        self.ed, ed_txt = ed25519_keypair(self.keys)
        self.shop, shop_txt = ed25519_keypair(self.keys)
        self.records = [KeyRecord("example.com", "rsa1", rsa_txt), KeyRecord("example.com", "ed1", ed_txt),
                        KeyRecord("shop.example.net", "s1", shop_txt)]
        self.policy = os.path.join(self.tmp, "policy.yaml")
        with open(self.policy, "w") as f:
            f.write(self.policy_text)
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.server.shutdown)
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}", protocols=("smtp", "lmtp"),
                                   extra_yaml=f"policies: [{self.policy}]\n" + self.unsubscribe_yaml()
                                   + self.dkim_yaml() + self.extra_yaml)

    def dkim_yaml(self, keys=None):
        keys = keys or [("example.com", "rsa1", self.rsa), ("example.com", "ed1", self.ed),
                        ("shop.example.net", "s1", self.shop)]
        out = "dkim:\n  keys:\n" + "".join(f"    - {{domain: {d}, selector: {s}, key_file: {k}}}\n" for d, s, k in keys)
        if self.on_missing_key:
            out += f"  on_missing_key: {self.on_missing_key}\n"
        return out + self.extra_dkim

    def contact(self, addr, **fields):
        args = []
        for k, v in fields.items():
            args += [k, v]
        self.redis.command("HSET", f"{P}contact:{{{addr}}}", *args)

    def send(self, rcpts, msg, port="smtp"):
        client = smtplib.LMTP if port == "lmtp" else smtplib.SMTP
        with client("127.0.0.1", self.k.ports[port], timeout=30) as c:
            return c.sendmail("sender@example.com", rcpts, msg)

    def delivered(self, rcpt, count=1):
        """The bytes of the copies the downstream got for rcpt, once there are `count`."""
        wait_for(lambda: len([1 for r, _ in self.peer.delivered if r == rcpt]) >= count, 20, f"copy for {rcpt}")
        return [b for r, b in self.peer.delivered if r == rcpt]

    def assert_verifies(self, msg, what, expect_domain, expect_algs=("rsa-sha256", "ed25519-sha256")):
        """Every signature verifies with every verifier that implements its algorithm."""
        sigs = signature_fields(msg)
        self.assertEqual(len(sigs), len(expect_algs), f"{what}: signatures {sigs}")
        results = {"dkimpy": verify_dkimpy(msg, self.records),
                   "mail_dkim": verify_mail_dkim(msg, self.records),
                   "opendkim": verify_opendkim(msg, self.records, self.tmp)}
        for verifier, rs in results.items():
            self.assertEqual(len(rs), len(expect_algs), f"{what}: {verifier}: {rs}")
            for r, alg in zip(rs, expect_algs):
                self.assertEqual(r.algorithm, alg, f"{what}: {verifier}")
                self.assertEqual(r.domain, expect_domain, f"{what}: {verifier}")
                if verifier == "mail_dkim" and alg == "ed25519-sha256":
                    self.assertTrue(r.ok or r.unsupported, f"{what}: {verifier}: {r}")
                else:
                    self.assertTrue(r.ok, f"{what}: {verifier}: {r}\n{msg[:3000]!r}")
        return results


def corpus():
    """(name, message bytes): the fixture files and generated corner cases."""
    out = []
    for path in sorted(glob.glob(os.path.join(FIXTURES, "*.eml"))):
        with open(path, "rb") as f:
            out.append((os.path.basename(path), wire(f.read())))
    head = ("From: info@example.com\r\nTo: undisclosed-recipients:;\r\nMessage-ID: <gen-{n}@example.com>\r\n"
            "Date: Sun, 06 Dec 2026 08:00:00 +0900\r\nMIME-Version: 1.0\r\n")
    out.append(("qp_utf8", (head.format(n=1) + "Subject: =?UTF-8?Q?=E3=81=93=E3=82=93=E3=81=AB=E3=81=A1=E3=81=AF?=\r\n"
                            "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
                            "{{last_name}} =E6=A7=98=\r\n  =E3=81=94=E6=A1=88=E5=86=85=09\r\n.leading dot\r\n").encode()))
    out.append(("empty_body", (head.format(n=2) + "Subject: empty\r\nContent-Type: text/plain\r\n\r\n").encode()))
    out.append(("no_final_newline", (head.format(n=3) + "Subject: x\r\nContent-Type: text/plain\r\n\r\n"
                                     "Dear {{last_name}},\r\nno newline at the end").encode()))
    out.append(("folded_2047_subject", (head.format(n=4) +
                "Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=\r\n =?ISO-2022-JP?B?GyRCMEY2SBsoQg==?=\r\n"
                "\t{{last_name}}\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n"
                "\x1b$B$3$s$K$A$O\x1b(B\r\n\r\n\r\n").encode()))
    out.append(("shift_jis_8bit", (head.format(n=5) + "Subject: sjis\r\nContent-Type: text/plain; charset=Shift_JIS\r\n"
                                   "Content-Transfer-Encoding: 8bit\r\n\r\n").encode()
                + "{{last_name}} 様\r\nお世話になっております。\r\n".encode("shift_jis")))
    out.append(("whitespace_noise", (head.format(n=6) + "Subject:   spaced \t out  \r\nContent-Type: text/plain\r\n\r\n"
                                     "a  b\t\tc   \r\n\t\r\n \r\n").encode()))
    return out


class Signing(Dkim):
    def test_corpus_verifies_with_three_verifiers_rsa_and_ed25519(self):
        self.contact("corpus@example.org", last_name="山田", owner="tanaka")
        sent = 0
        refused = []
        for name, msg in corpus():
            before = len(self.peer.delivered)
            try:
                self.send(["corpus@example.org"], msg)
            except smtplib.SMTPDataError as e:  # a fixture the relay cannot personalize is refused whole
                self.assertIn(b"cannot personalize", e.smtp_error, name)
                refused.append(name)
                continue
            sent += 1
            wait_for(lambda: len(self.peer.delivered) > before, 20, f"{name} delivered")
            copy = self.peer.delivered[-1][1]
            with self.subTest(fixture=name):
                self.assert_verifies(copy, name, "example.com")
                self.assertTrue(copy.startswith(b"DKIM-Signature: "), name)
        # Broken base64 cannot be personalized: the relay refuses it whole, so nothing is signed.
        self.assertEqual(refused, ["truncated_base64.eml"])
        self.assertEqual(sent, len(corpus()) - 1)

    def test_each_persona_signs_with_its_own_domain(self):
        for addr, owner in (("a@example.org", "tanaka"), ("b@example.org", "shop"), ("c@example.org", "news")):
            self.contact(addr, last_name="X", owner=owner)
        msg = wire("From: info@example.com\nSubject: hi {{last_name}}\nMessage-ID: <p2@example.com>\n\nbody\n")
        self.send(["a@example.org", "b@example.org", "c@example.org"], msg)
        # tanaka@example.com: both example.com keys; sales@shop.example.net: its own key;
        # news@mail.example.com: example.com's keys (the nearest keyed parent: relaxed alignment).
        self.assert_verifies(self.delivered("a@example.org")[0], "tanaka", "example.com")
        self.assert_verifies(self.delivered("b@example.org")[0], "shop", "shop.example.net", ("ed25519-sha256",))
        news = self.delivered("c@example.org")[0]
        self.assert_verifies(news, "news", "example.com")
        self.assertIn(b"news@mail.example.com", news)
        relays = {r["rcpt"]: r.get("dkim") for r in self.k.audit_records() if r["decision"] == "relay"}
        self.assertEqual(relays, {"a@example.org": "d=example.com s=rsa1 s=ed1",
                                  "b@example.org": "d=shop.example.net s=s1",
                                  "c@example.org": "d=example.com s=rsa1 s=ed1"})

    def test_one_click_fields_are_signed(self):
        self.contact("oc@example.org", last_name="X", owner="tanaka")
        msg = wire("From: info@example.com\nSubject: spring\nX-Kizuna-Campaign: spring\n"
                   "Message-ID: <p3@example.com>\n\nsale {{unsubscribe_url}}\n")
        self.send(["oc@example.org"], msg)
        copy = self.delivered("oc@example.org")[0]
        self.assertIn(b"List-Unsubscribe-Post: List-Unsubscribe=One-Click", copy)
        for verifier, rs in self.assert_verifies(copy, "one-click", "example.com").items():
            for r in rs:
                if r.ok:
                    self.assertIn("list-unsubscribe", r.headers, verifier)
                    self.assertIn("list-unsubscribe-post", r.headers, verifier)

    def test_signature_is_topmost_and_upstream_signatures_are_removed(self):
        self.contact("top@example.org", last_name="X", owner="tanaka")
        msg = wire("DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=old; h=from; bh=AAAA; b=BBBB\n"
                   "From: info@example.com\nSubject: t\nMessage-ID: <p4@example.com>\n\nbody\n")
        self.send(["top@example.org"], msg)
        copy = self.delivered("top@example.org")[0]
        fields = re.findall(rb"^([A-Za-z-]+):", copy.split(b"\r\n\r\n")[0], re.M)
        self.assertEqual(fields[:3], [b"DKIM-Signature", b"DKIM-Signature", b"Received"])
        self.assertNotIn(b"s=old", copy)
        self.assertEqual(fields.count(b"DKIM-Signature"), 2)

    def test_lmtp_copies_are_signed_too(self):
        self.contact("lmtp@example.org", last_name="X", owner="shop")
        self.send(["lmtp@example.org"], wire("From: info@example.com\nSubject: l\n\nbody\n"), port="lmtp")
        self.assert_verifies(self.delivered("lmtp@example.org")[0], "lmtp", "shop.example.net", ("ed25519-sha256",))

    def test_a_domain_without_a_key_is_held_by_default(self):
        self.contact("nokey@example.org", last_name="X", owner="stranger")
        self.send(["nokey@example.org"], wire("From: info@example.com\nSubject: s\n\nbody\n"))
        recs = [r for r in self.k.audit_records() if r["rcpt"] == "nokey@example.org"]
        self.assertEqual([(r["decision"], r["rule"]) for r in recs], [("hold", "builtin:dkim-no-key")])
        [held_id] = [line.split()[0] for line in self.k.cli("hold", "list").stdout.splitlines()
                     if "nokey@example.org" in line]
        # Released without a key: refused, it stays held, nothing sent.
        r = self.k.cli("hold", "release", held_id)
        self.assertEqual(r.returncode, 1)
        self.assertIn("no DKIM key for unkeyed.example.org", r.stderr)
        self.assertFalse(self.peer.delivered)
        # With a key for the domain in the config, the release signs with it.
        key, txt = rsa_keypair(self.keys)
        self.records.append(KeyRecord("unkeyed.example.org", "u1", txt))
        with open(self.k.config) as f:
            config = f.read()
        with open(self.k.config, "w") as f:
            f.write(config.replace("  keys:\n", f"  keys:\n    - {{domain: unkeyed.example.org, selector: u1, key_file: {key}}}\n", 1))
        r = self.k.cli("hold", "release", held_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        copy = self.delivered("nokey@example.org")[0]
        self.assert_verifies(copy, "released", "unkeyed.example.org", ("rsa-sha256",))
        fields = re.findall(rb"^([A-Za-z-]+):", copy.split(b"\r\n\r\n")[0], re.M)
        self.assertEqual(fields[:2], [b"DKIM-Signature", b"Received"])
        release = [r for r in self.k.audit_records() if r["decision"] == "release"]
        self.assertEqual(release[0]["dkim"], "d=unkeyed.example.org s=u1")


class Preview(Dkim):
    def test_preview_shows_a_signature_that_verifies(self):
        self.contact("pv@example.org", last_name="X", owner="shop")
        eml = os.path.join(self.tmp, "pv.eml")
        with open(eml, "wb") as f:
            f.write(wire("From: info@example.com\nSubject: p {{last_name}}\n\nbody\n"))
        out = self.k.cli("preview", "--message", eml, "--rcpt", "pv@example.org")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("dkim:       d=shop.example.net s=s1 ed25519-sha256: verifies against the loaded key", out.stdout)
        copy = out.stdout.split("--- copy ---\n", 1)[1].encode()
        self.assert_verifies(wire(copy), "preview", "shop.example.net", ("ed25519-sha256",))
        self.assertFalse(self.peer.delivered)


class Rotation(Dkim):
    def test_reload_picks_up_a_new_key_and_a_bad_key_refuses_the_reload(self):
        self.contact("rot@example.org", last_name="X", owner="tanaka")
        msgs = [wire(f"From: info@example.com\nSubject: r\nMessage-ID: <rot{n}@example.com>\n\nbody\n") for n in range(3)]
        self.send(["rot@example.org"], msgs[0])
        self.assertIn(b"s=rsa1;", self.delivered("rot@example.org", 1)[0])
        new_key, new_txt = rsa_keypair(self.keys)
        self.records.append(KeyRecord("example.com", "rsa2", new_txt))
        with open(self.k.config) as f:
            config = f.read()
        config = config.replace("selector: rsa1, key_file: " + self.rsa, "selector: rsa2, key_file: " + new_key)
        with open(self.k.config, "w") as f:
            f.write(config)
        log_before = len(self.k.read_log())
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in self.k.read_log()[log_before:], 10, "reload")
        self.send(["rot@example.org"], msgs[1])
        second = self.delivered("rot@example.org", 2)[1]
        self.assertIn(b"s=rsa2;", second)
        self.assert_verifies(second, "rotated", "example.com")
        # A key file others can read: the reload is refused, naming the file; rsa2 keeps signing.
        bad = os.path.join(self.keys, "bad.pem")
        shutil.copy(new_key, bad)
        os.chmod(bad, 0o644)
        with open(self.k.config, "w") as f:
            f.write(config.replace(new_key, bad))
        log_before = len(self.k.read_log())
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: "chmod 600" in self.k.read_log()[log_before:], 10, "refused reload")
        self.assertIn(bad, self.k.read_log()[log_before:])
        self.assertRegex(self.k.read_log()[log_before:], r"kizuna\.yaml:\d+")
        self.send(["rot@example.org"], msgs[2])
        self.assertIn(b"s=rsa2;", self.delivered("rot@example.org", 3)[2])


class MissingKeyUnsigned(Dkim):
    on_missing_key = "unsigned"

    def test_unsigned_relays_and_audits_why(self):
        self.contact("u@example.org", last_name="X", owner="stranger")
        self.send(["u@example.org"], wire("From: info@example.com\nSubject: s\n\nbody\n"))
        copy = self.delivered("u@example.org")[0]
        self.assertNotIn(b"DKIM-Signature", copy)
        relay = [r for r in self.k.audit_records() if r["decision"] == "relay"]
        self.assertEqual(relay[0]["dkim"], "unsigned: no DKIM key for unkeyed.example.org or a parent domain")


class OwnFrom(Dkim):
    policy_text = PLAIN_POLICY

    def test_the_messages_own_from_chooses_the_key(self):
        self.send(["own@example.org"], wire("From: Info <info@shop.example.net>\nSubject: own\n\nbody\n"))
        self.assert_verifies(self.delivered("own@example.org")[0], "own", "shop.example.net", ("ed25519-sha256",))

    def test_two_from_fields_are_held_under_the_default(self):
        self.send(["twofrom@example.org"], wire("From: a@example.com\nFrom: b@example.com\nSubject: two\n\nbody\n"))
        recs = [r for r in self.k.audit_records() if r["rcpt"] == "twofrom@example.org"]
        self.assertEqual([(r["decision"], r["rule"]) for r in recs], [("hold", "builtin:dkim-from")])
        self.assertFalse(self.peer.delivered)


class OwnFromUnsigned(Dkim):
    policy_text = PLAIN_POLICY
    on_missing_key = "unsigned"

    def test_two_from_fields_are_refused_not_held(self):
        for port in ("smtp", "lmtp"):
            with self.assertRaises((smtplib.SMTPDataError, smtplib.SMTPRecipientsRefused)) as e:
                self.send(["twofrom@example.org"], wire("From: a@example.com\nFrom: b@example.com\nSubject: two\n\nb\n"),
                          port=port)
            self.assertIn("554", str(e.exception), port)
        recs = [r for r in self.k.audit_records() if r["rcpt"] == "twofrom@example.org"]
        self.assertEqual([(r["decision"], r["rule"]) for r in recs], [("reject", "builtin:dkim-from")] * 2)
        self.assertFalse(self.peer.delivered)

    def test_a_from_without_a_mailbox_is_refused(self):
        with self.assertRaises(smtplib.SMTPDataError):
            self.send(["group@example.org"], wire("From: undisclosed-recipients:;\nSubject: g\n\nb\n"))
        self.assertFalse(self.peer.delivered)


class Metrics(Dkim):
    extra_yaml = "admin_http:\n  listen: 127.0.0.1:0\n"

    def scrape(self):
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.k.admin_port()}/metrics", timeout=10) as r:
            text = r.read().decode()
        return {m.group(1): float(m.group(2))
                for m in re.finditer(r'^kizuna_dkim_signatures_total\{result="(\w+)"\} (\S+)$', text, re.M)}

    def test_signatures_and_copies_without_a_key_are_counted(self):
        self.contact("m1@example.org", last_name="X", owner="tanaka")   # RSA + Ed25519: two signatures
        self.contact("m2@example.org", last_name="X", owner="shop")     # one signature
        self.contact("m3@example.org", last_name="X", owner="stranger")  # no key: held
        self.send(["m1@example.org", "m2@example.org", "m3@example.org"],
                  wire("From: info@example.com\nSubject: m\nMessage-ID: <m1@example.com>\n\nbody\n"))
        self.delivered("m1@example.org")
        self.delivered("m2@example.org")
        wait_for(lambda: self.scrape().get("signed") == 3, 10, "3 signatures counted")
        counts = self.scrape()
        self.assertEqual((counts.get("signed"), counts.get("no_key"), counts.get("error")), (3, 1, 0))


class MissingKeyDefer(Dkim):
    on_missing_key = "defer"

    def test_defer_answers_4xx(self):
        self.contact("d@example.org", last_name="X", owner="stranger")
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(["d@example.org"], wire("From: info@example.com\nSubject: s\n\nbody\n"))
        self.assertEqual(e.exception.smtp_code // 100, 4)
        self.assertFalse(self.peer.delivered)


class MissingKeyDefault(Dkim):
    on_missing_key = "default"
    extra_dkim = "  default_domain: shop.example.net\n"

    def test_default_signs_with_the_default_domain(self):
        self.contact("x@example.org", last_name="X", owner="stranger")
        self.send(["x@example.org"], wire("From: info@example.com\nSubject: s\n\nbody\n"))
        self.assert_verifies(self.delivered("x@example.org")[0], "default", "shop.example.net", ("ed25519-sha256",))


if __name__ == "__main__":
    unittest.main()
