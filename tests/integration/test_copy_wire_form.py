"""Issue 10, defect 2: a personalized copy whose DATA never ended. A single-part
base64 body, an ISO-2022-JP base64 body or a quoted-printable body ending in a
soft line break went downstream as "...SGkgWm8=.\\r\\n": no CRLF before the final
dot, so the downstream waited until its timeout and every retry failed alike.

Every transfer encoding x charset x structure (single text/plain, single
text/html, multipart/alternative, multipart/mixed with an attachment) x text
with and without a final newline x with and without the marketing footer is
personalized and relayed through Postfix's smtp-sink: every copy must be
accepted (250 to the client), arrive, and parse cleanly with the merged name in
each text part."""
import base64
import email
import email.policy
import os
import quopri
import smtplib
import unittest

from harness import RelayTestCase

P = "kizuna:"
RCPT = "wire@example.com"

POLICY = """\
categories:
  transactional: [receipt]
  default: newsletter
merge:
  on_missing_field: hold
  footer:
    text: |
      --
      配信停止: {{unsubscribe_url}}
    html: |
      <p>配信停止: <a href="{{unsubscribe_url}}">こちら</a></p>
"""

# (charset, transfer encodings a sender may use with it)
CHARSETS = [("utf-8", ("8bit", "quoted-printable", "base64")),
            ("iso-2022-jp", ("7bit", "quoted-printable", "base64")),
            ("shift_jis", ("8bit", "quoted-printable", "base64")),
            ("euc-jp", ("8bit", "quoted-printable", "base64"))]
STRUCTURES = ("plain", "html", "alternative", "mixed")


def encode_body(text, charset, cte):
    raw = text.replace("\n", "\r\n").encode(charset)
    if cte == "base64":
        b = base64.encodebytes(raw).replace(b"\n", b"\r\n")
        return b
    if cte == "quoted-printable":
        q = quopri.encodestring(raw.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
        return q if q.endswith(b"\r\n") else q + b"=\r\n"  # no final newline: a soft line break ends it
    return raw if raw.endswith(b"\r\n") else raw + b"\r\n"  # 7bit/8bit: DATA ends lines anyway


def leaf(subtype, text, charset, cte):
    return (f"Content-Type: text/{subtype}; charset={charset}\r\nContent-Transfer-Encoding: {cte}\r\n\r\n".encode()
            + encode_body(text, charset, cte))


def build(structure, charset, cte, final_newline, category):
    nl = "\n" if final_newline else ""
    plain = "{{last_name}} 様\nご案内です。" + nl
    html = "<html><body><p>{{last_name}} 様</p><p>ご案内です。</p></body></html>" + nl
    head = (f"From: news@example.org\r\nTo: undisclosed-recipients:;\r\n"
            f"Message-ID: <{structure}.{charset}.{cte}.{int(final_newline)}.{category}@example.org>\r\n"
            f"X-Kizuna-Campaign: wire\r\nX-Kizuna-Category: {category}\r\nSubject: test\r\nMIME-Version: 1.0\r\n").encode()
    if structure == "plain":
        return head + leaf("plain", plain, charset, cte)
    if structure == "html":
        return head + leaf("html", html, charset, cte)
    if structure == "alternative":
        return (head + b'Content-Type: multipart/alternative; boundary="=_alt"\r\n\r\n'
                + b"--=_alt\r\n" + leaf("plain", plain, charset, cte) + b"\r\n--=_alt\r\n"
                + leaf("html", html, charset, cte) + b"\r\n--=_alt--\r\n")
    pdf = base64.encodebytes(b"%PDF-1.4\n% kizuna\n" * 8).replace(b"\n", b"\r\n")
    return (head + b'Content-Type: multipart/mixed; boundary="=_mix"\r\n\r\n'
            + b"--=_mix\r\n" + leaf("plain", plain, charset, cte) + b"\r\n--=_mix\r\n"
            + b"Content-Type: application/pdf\r\nContent-Disposition: attachment; filename=a.pdf\r\n"
            + b"Content-Transfer-Encoding: base64\r\n\r\n" + pdf + b"--=_mix--\r\n")


def without_sink_lines(dump):
    """The copy as kizuna sent it: smtp-sink's X- lines and Received dropped."""
    lines = dump.split(b"\n")
    i = 0
    while lines[i].startswith(b"X-") and b": " in lines[i]:
        i += 1
    return b"\n".join(lines[i:])


class CopyWireForm(RelayTestCase):
    def setUp(self):
        super().setUp()
        policy = os.path.join(self.tmp, "policy.yaml")
        with open(policy, "w", encoding="utf-8") as f:
            f.write(POLICY)
        self.sink = self.start_sink()
        # A short downstream data timeout: a copy without its end of data fails in
        # seconds, not minutes (the defect's symptom), instead of hanging the test.
        self.k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}\n  data_timeout_s: 5",
                                   protocols=("smtp",),
                                   extra_yaml=f"policies: [{policy}]\n" + self.unsubscribe_yaml())
        self.redis.command("HSET", f"{P}contact:{{{RCPT}}}", "last_name", "山田")

    def test_every_copy_ends_its_data_and_arrives_intact(self):
        cases = [(s, c, e, n, cat) for s in STRUCTURES for c, ctes in CHARSETS for e in ctes
                 for n in (True, False) for cat in ("newsletter", "receipt")]
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=60) as smtp:
            for case in cases:
                refused = smtp.sendmail("news@example.org", [RCPT], build(*case))
                self.assertEqual(refused, {}, case)
        dumps = [without_sink_lines(data) for _, data in self.sink.messages()]
        self.assertEqual(len(dumps), len(cases))
        by_id = {}
        for d in dumps:
            msg = email.message_from_bytes(d, policy=email.policy.default)
            by_id[msg["Message-ID"]] = msg
        seen = 0
        for msg in by_id.values():
            texts = [p for p in msg.walk() if p.get_content_maintype() == "text"]
            self.assertTrue(texts)
            for part in texts:
                self.assertEqual(part.defects, [], msg["Message-ID"])
                body = part.get_content()
                self.assertIn("山田 様", body, msg["Message-ID"])
                self.assertNotIn("{{", body, msg["Message-ID"])
            seen += 1
        self.assertEqual(seen, len(cases))
        # Copies of marketing mail carry the footer in their first text part; receipts don't.
        footers = sum(1 for m in by_id.values()
                      if "配信停止" in next(p for p in m.walk() if p.get_content_maintype() == "text").get_content())
        self.assertEqual(footers, len(cases) // 2)


if __name__ == "__main__":
    unittest.main()
