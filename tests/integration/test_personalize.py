"""Issue 4 end to end: personalized copies relayed through kizuna to Postfix's
smtp-sink with contacts in a real redis-server. Personas (owner, sticky across an
owner change, header override, default), merge.on_missing_field, injection
through Redis values, one To and one Message-ID per copy, and acceptance 5:
`kizuna preview` prints exactly the copy that `serve` relays."""
import email
import email.policy
import os
import re
import smtplib
import subprocess
import unittest

from harness import KIZUNA, SOURCE_DIR, RelayTestCase

P = "kizuna:"
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures", "mime")

POLICY = """\
categories:
  transactional: [receipt]
  default: newsletter
personas:
  - id: yamada
    display_name: 山田 太郎（営業部）
    address: yamada@example.co.jp
    reply_to: eigyo@example.co.jp
    fields: {{ title: 営業部 課長, phone: 03-1234-5678 }}
  - id: sato
    display_name: 佐藤 花子（営業部）
    address: sato@example.co.jp
    fields: {{ title: 営業部 }}
persona_assignment:
  from_field: contact.owner
  header: true
  default: yamada
  sticky: true
merge:
  on_missing_field: {on_missing}
"""


def message(subject="{{last_name}} 様", body="{{company}}\n{{last_name}} 様\n\n{{persona.fields.title}}\n",
            extra=""):
    return (f"From: info@example.org\r\nTo: undisclosed-recipients:;\r\nMessage-ID: <m1@example.org>\r\n"
            f"X-Kizuna-Campaign: spring\r\n{extra}Subject: {subject}\r\nMIME-Version: 1.0\r\n"
            f"Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
            + body.replace("\n", "\r\n")).encode()


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def copy_of(dump):
    """The message kizuna sent, from an smtp-sink dump: smtp-sink's X- lines, its
    Received field and kizuna's own (which names the session) removed; CRLF lines."""
    lines = [line.rstrip(b"\r") for line in dump.split(b"\n")]
    i = 0
    while lines[i].startswith(b"X-") and b": " in lines[i]:
        i += 1
    for _ in range(2):  # smtp-sink's Received, then kizuna's
        assert lines[i].startswith(b"Received: "), lines[i]
        i += 1
        while lines[i][:1] in (b" ", b"\t"):
            i += 1
    return b"\r\n".join(lines[i:])


class Personalize(RelayTestCase):
    on_missing = "hold"

    def setUp(self):
        super().setUp()
        self.policy = os.path.join(self.tmp, "personas.yaml")
        with open(self.policy, "w") as f:
            f.write(POLICY.format(on_missing=self.on_missing))
        self.sink = self.start_sink()
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
                                   extra_yaml=f"policies: [{self.policy}]\n" + self.unsubscribe_yaml())

    def contact(self, addr, **fields):
        args = []
        for k, v in fields.items():
            args += [k, v]
        self.redis.command("HSET", f"{P}contact:{{{addr}}}", *args)

    def sticky(self, addr):
        """persona:{addr} from Redis, or None."""
        reply = self.redis.command("GET", f"{P}persona:{{{addr}}}")
        return None if reply.startswith(b"$-1") else reply.split(b"\r\n")[1].decode()

    def send(self, rcpts, msg):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            return c.sendmail("sender@example.org", rcpts, msg)

    def copies(self):
        """{recipient: parsed copy} of everything the sink received."""
        out = {}
        for rcpt, data in self.sink.messages():
            out[rcpt.strip("<>")] = parse(copy_of(data))
        return out

    def decisions(self):
        return [(r["rcpt"], r["decision"], r["rule"], r.get("persona", "")) for r in self.k.audit_records()]


class Personas(Personalize):
    def test_owner_chooses_the_persona_and_each_copy_is_its_own(self):
        self.contact("a@example.com", last_name="青木", company="(株)ベーシック", owner="sato")
        self.contact("b@example.com", last_name="馬場", company="株式会社ベーシック")
        self.assertEqual(self.send(["a@example.com", "b@example.com"], message()), {})
        copies = self.copies()
        a, b = copies["a@example.com"], copies["b@example.com"]
        self.assertEqual(a["Subject"], "青木 様")
        self.assertEqual(str(a["From"]), "佐藤 花子（営業部） <sato@example.co.jp>")
        self.assertEqual(str(b["From"]), "山田 太郎（営業部） <yamada@example.co.jp>")
        self.assertEqual(str(b["Reply-To"]), "eigyo@example.co.jp")
        self.assertEqual(str(a["To"]), "a@example.com")
        self.assertEqual(str(b["To"]), "b@example.com")
        self.assertNotEqual(a["Message-ID"], b["Message-ID"])
        self.assertNotIn("m1@example.org", a["Message-ID"])
        self.assertIsNone(a["X-Kizuna-Campaign"])
        # The company filter is not in this template; both spellings come through as stored.
        self.assertIn("(株)ベーシック\r\n青木 様", a.get_content())
        self.assertIn("営業部 課長", b.get_content())
        self.assertIn(("a@example.com", "relay", "", "sato"), self.decisions())
        self.assertIn(("b@example.com", "relay", "", "yamada"), self.decisions())

    def test_sticky_persona_survives_an_owner_change(self):
        self.contact("c@example.com", last_name="千葉", company="C社", owner="sato")
        self.send(["c@example.com"], message())
        self.assertEqual(self.sticky("c@example.com"), "sato")
        self.contact("c@example.com", owner="yamada")
        # The next campaign mail (the same Message-ID again would be a resend, not sent twice).
        self.send(["c@example.com"], message().replace(b"<m1@", b"<m2@"))
        froms = [str(parse(copy_of(d))["From"]) for _, d in self.sink.messages()]
        self.assertEqual(len(froms), 2)
        self.assertTrue(all("sato@example.co.jp" in f for f in froms), froms)

    def test_header_overrides_and_default_applies(self):
        self.contact("d@example.com", last_name="土井", company="D社", owner="yamada")
        self.contact("e@example.com", last_name="江藤", company="E社")
        self.send(["d@example.com"], message(extra="X-Kizuna-Persona: sato\r\n"))
        self.assertIn("sato@example.co.jp", str(self.copies()["d@example.com"]["From"]))
        self.assertIsNone(self.copies()["d@example.com"]["X-Kizuna-Persona"])
        # A header override is per campaign: it is not recorded as the contact's persona.
        self.assertIsNone(self.sticky("d@example.com"))
        self.send(["e@example.com"], message())
        self.assertIn("yamada@example.co.jp", str(self.copies()["e@example.com"]["From"]))
        # The default is not sticky either: the CRM may assign an owner later.
        self.assertIsNone(self.sticky("e@example.com"))

    def test_values_from_redis_cannot_inject_headers(self):
        self.contact("f@example.com", last_name="X\r\nBcc: evil@example.com", company="<b>F</b>")
        self.assertEqual(self.send(["f@example.com"], message()), {})
        dump = copy_of(self.sink.messages()[0][1])
        header = dump.split(b"\r\n\r\n", 1)[0]
        self.assertNotRegex(header, re.compile(rb"^Bcc:", re.M | re.I))
        copy = parse(dump)
        self.assertIsNone(copy["Bcc"])
        self.assertIn("Bcc: evil@example.com", copy["Subject"], "the value stays inside the Subject")


class MissingFieldHeld(Personalize):
    def test_missing_name_is_held_not_sent_as_sama(self):
        self.contact("g@example.com", company="G社")  # no last_name
        self.assertEqual(self.send(["g@example.com"], message()), {})
        self.assertEqual(self.sink.messages(), [])
        self.assertIn(("g@example.com", "hold", "builtin:missing-field", "yamada"), self.decisions())
        held = self.k.cli("hold", "list")
        self.assertIn("g@example.com", held.stdout)
        self.assertIn("builtin:missing-field", held.stdout)

    def test_release_personalizes_from_the_fixed_contact_and_refuses_while_missing(self):
        self.contact("m@example.com", company="M社", owner="sato")
        self.send(["m@example.com"], message())
        [held_id] = [line.split()[0] for line in self.k.cli("hold", "list").stdout.splitlines()
                     if "m@example.com" in line]
        r = self.k.cli("hold", "release", held_id)
        self.assertEqual(r.returncode, 1)
        self.assertIn("contact.last_name", r.stderr)
        self.assertEqual(self.sink.messages(), [], "never sent with the gap")

        self.contact("m@example.com", last_name="森")  # the CRM is fixed
        r = self.k.cli("hold", "release", held_id)
        self.assertEqual(r.returncode, 0, r.stderr)
        copy = self.copies()["m@example.com"]
        self.assertEqual(copy["Subject"], "森 様")
        self.assertIn("sato@example.co.jp", str(copy["From"]))
        self.assertIsNone(copy["X-Kizuna-Campaign"])
        self.assertNotIn("{{", copy.get_content())
        self.assertIn(("m@example.com", "release", "builtin:missing-field", ""), self.decisions())

    def test_a_default_filter_fills_the_gap(self):
        self.contact("h@example.com", company="H社")
        self.send(["h@example.com"], message(subject='{{last_name | default: "ご担当者"}} 様', body="hi\n"))
        self.assertEqual(self.copies()["h@example.com"]["Subject"], "ご担当者 様")


class MissingFieldDropped(Personalize):
    on_missing = "drop"

    def test_missing_field_drops(self):
        self.contact("i@example.com", company="I社")
        self.assertEqual(self.send(["i@example.com"], message()), {})
        self.assertEqual(self.sink.messages(), [])
        self.assertIn(("i@example.com", "drop", "builtin:missing-field", "yamada"), self.decisions())


class MissingFieldDeferred(Personalize):
    on_missing = "defer"

    def test_missing_field_defers(self):
        self.contact("j@example.com", company="J社")
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(["j@example.com"], message())
        self.assertEqual(e.exception.smtp_code, 450)
        self.assertEqual(self.sink.messages(), [])


class MissingFieldBlank(Personalize):
    on_missing = "blank"

    def test_missing_field_renders_empty(self):
        self.contact("k@example.com", company="K社")
        self.send(["k@example.com"], message())
        self.assertEqual(self.copies()["k@example.com"]["Subject"].strip(), "様")


class PreviewMatchesServe(Personalize):
    def test_preview_prints_exactly_the_relayed_copy(self):
        self.contact("yamada@example.co.jp", company="(株)さくら商事", last_name="山田", owner="sato")
        with open(os.path.join(FIXTURES, "alternative_iso2022jp.eml"), "rb") as f:
            raw = f.read()
        self.assertEqual(self.send(["yamada@example.co.jp"], raw), {})
        relayed = copy_of(self.sink.messages()[0][1])

        eml = os.path.join(FIXTURES, "alternative_iso2022jp.eml")
        r = subprocess.run([KIZUNA, "preview", "--config", self.k.config, "--message", eml,
                            "--rcpt", "yamada@example.co.jp"], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        report, _, copy = r.stdout.partition(b"--- copy ---\n")
        self.assertIn(b"decision:   relay", report)
        self.assertIn(b"persona:    sato (sticky)", report, "the relay recorded the owner's persona")
        self.assertEqual(copy.rstrip(b"\r\n"), relayed.rstrip(b"\r\n"))
        # Issue 13: beside the wire copy (ISO-2022-JP escapes), a view a person can read.
        readable = report.partition(b"--- readable ---\n")[2].decode("utf-8")
        self.assertIn("Subject: 【ご案内】山田様へ春の特別セールのお知らせ", readable)
        self.assertIn("山田 様", readable)
        self.assertNotIn("\x1b", readable)
        # And the copy is valid MIME with the values in both alternatives.
        m = parse(relayed)
        plain, html = [p.get_content() for p in m.walk() if p.get_content_maintype() == "text"]
        self.assertIn("山田 様", plain)
        self.assertIn("山田 様", html)

    def test_preview_writes_nothing_and_shows_what_would_be_held(self):
        self.contact("p@example.com", company="P社", owner="sato")  # no last_name
        eml = os.path.join(self.tmp, "m.eml")
        with open(eml, "wb") as f:
            f.write(message().replace(b"\r\n", b"\n"))  # as a file on disk: bare LF
        before = len(self.k.audit_records()) if os.path.exists(os.path.join(self.tmp, "state", "audit.jsonl")) else 0
        r = self.k.cli("preview", "--message", eml, "--rcpt", "p@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("decision:   hold by builtin:missing-field", r.stdout)
        self.assertIn("missing:    contact.last_name", r.stdout)
        self.assertIn("persona:    sato (contact field)", r.stdout)
        self.assertIn("List-Unsubscribe-Post: List-Unsubscribe=One-Click", r.stdout)
        # Read-only: no hold file, no audit record, no sticky persona written.
        self.assertIn("no held copies", self.k.cli("hold", "list").stdout)
        after = len(self.k.audit_records()) if os.path.exists(os.path.join(self.tmp, "state", "audit.jsonl")) else 0
        self.assertEqual(after, before)
        self.assertIsNone(self.sticky("p@example.com"))
        # As on a listener whose category is transactional: no unsubscribe headers.
        receipt = self.k.cli("preview", "--message", eml, "--rcpt", "p@example.com", "--category", "receipt")
        self.assertIn("category:   receipt (transactional)", receipt.stdout)
        self.assertNotIn("List-Unsubscribe", receipt.stdout)
        bad = self.k.cli("preview", "--message", eml, "--rcpt", "not an address")
        self.assertEqual(bad.returncode, 65, bad.stderr)


if __name__ == "__main__":
    unittest.main()
