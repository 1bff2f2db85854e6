"""Self-test of the offline DKIM verifier harness (dkim_verifiers.py and
dkim_verify.pl); no Kizuna, no network.

Messages are signed by dkimpy (relaxed/relaxed, RSA-2048 and Ed25519) and then
verified by dkimpy, Mail::DKIM and OpenDKIM: every verifier must pass the
intact messages and report a failure for each tampered one, so a harness that
always says "pass" (or never finds the signature) fails here.
"""
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import dkim_verifiers as dv
from dkim_verifiers import KeyRecord, SigResult, ed25519_keypair, rsa_keypair, sign_dkimpy, verify_all

DOMAIN = "example.com"

# =?ISO-2022-JP?B?...?= of "お知らせ" (ESC $ B ... ESC ( B), as Japanese mailers write it
SUBJECT_JP = "=?ISO-2022-JP?B?GyRCJCpDTiRpJDsbKEI=?="
assert base64.b64decode(SUBJECT_JP[16:-2]).decode("iso-2022-jp") == "お知らせ"

# oversigned From (listed twice): a From added anywhere then breaks the signature in every verifier
SIGNED = ["from", "from", "to", "subject", "date", "message-id", "mime-version", "content-type",
          "content-transfer-encoding", "list-unsubscribe", "list-unsubscribe-post"]


def crlf(*lines):
    return "".join(line + "\r\n" for line in lines).encode()


def headers(content_type="text/plain; charset=ISO-2022-JP", cte="7bit"):
    return crlf("From: =?ISO-2022-JP?B?GyRCOjRGIxsoQg==?= <news@example.com>",
                "To: reader@example.net",
                f"Subject: {SUBJECT_JP}",
                "Date: Fri, 04 Dec 2026 10:00:00 +0900",
                "Message-ID: <20261204100000.1@example.com>",
                "MIME-Version: 1.0",
                f"Content-Type: {content_type}",
                f"Content-Transfer-Encoding: {cte}",
                "List-Unsubscribe: <https://example.com/u/abc123>,",
                " <mailto:unsubscribe@example.com?subject=abc123>",
                "List-Unsubscribe-Post: List-Unsubscribe=One-Click")


JP_TEXT = "こんにちは。配信停止はこちら。\n" * 8
B64_BODY = base64.encodebytes(JP_TEXT.encode("utf-8")).replace(b"\n", b"\r\n")

MESSAGES = {
    "text": headers() + b"\r\n" + "今日は。\n".encode("iso-2022-jp").replace(b"\n", b"\r\n")
            + b"Plain line  with  spaces \t\r\n\r\n\r\n",
    "base64": headers("text/plain; charset=utf-8", "base64") + b"\r\n" + B64_BODY,
    "empty_body": headers() + b"\r\n",
    "no_final_crlf": headers() + b"\r\nfirst line\r\nlast line without CRLF",
}
assert B64_BODY.count(b"\r\n") > 1 and not MESSAGES["no_final_crlf"].endswith(b"\n")


class DkimVerifierHarness(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="dkim-verifiers-test-")
        cls.rsa_key, rsa_txt = rsa_keypair(cls.tmp)
        cls.ed_key, ed_txt = ed25519_keypair(cls.tmp)
        cls.other_rsa_key, other_rsa_txt = rsa_keypair(cls.tmp)
        _, other_ed_txt = ed25519_keypair(cls.tmp)
        cls.rsa = KeyRecord(DOMAIN, "rsa2026", rsa_txt)
        cls.ed = KeyRecord(DOMAIN, "ed2026", ed_txt)
        cls.records = [cls.rsa, cls.ed]
        # the same names, other keys of the same type
        cls.wrong_records = [KeyRecord(DOMAIN, "rsa2026", other_rsa_txt), KeyRecord(DOMAIN, "ed2026", other_ed_txt)]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def sign(self, message, algorithm, signed=SIGNED):
        key, record = (self.rsa_key, self.rsa) if algorithm == "rsa-sha256" else (self.ed_key, self.ed)
        return sign_dkimpy(message, DOMAIN, record.selector, key, signed, algorithm=algorithm)

    def verify(self, message, records=None):
        return verify_all(message, self.records if records is None else records, self.tmp)

    def assert_verdicts(self, results, algorithm, ok, selector=None, signed=SIGNED):
        """Exactly one signature per verifier, with the expected fields and outcome;
        Mail::DKIM reports Ed25519 as unsupported (never as a pass)."""
        self.assertEqual(set(results), {"dkimpy", "mail_dkim", "opendkim"})
        for name, sigs in results.items():
            with self.subTest(verifier=name, algorithm=algorithm):
                self.assertEqual(len(sigs), 1, sigs)
                r = sigs[0]
                self.assertEqual((r.verifier, r.domain, r.algorithm), (name, DOMAIN, algorithm))
                self.assertEqual(r.selector, selector or ("rsa2026" if algorithm == "rsa-sha256" else "ed2026"))
                self.assertEqual(r.headers, signed)
                if name == "mail_dkim" and algorithm == "ed25519-sha256":
                    self.assertFalse(r.ok)
                    self.assertTrue(r.unsupported, r)
                    continue
                self.assertFalse(r.unsupported)
                self.assertEqual(r.ok, ok, r)
                if not ok:
                    self.assertNotEqual(r.detail, "pass")

    # --- keys ---------------------------------------------------------------

    def test_key_records(self):
        self.assertTrue(self.rsa.txt.startswith("v=DKIM1; k=rsa; p=MII"))
        ed_p = self.ed.txt.split("p=", 1)[1]
        self.assertTrue(self.ed.txt.startswith("v=DKIM1; k=ed25519; p="))
        self.assertEqual(len(base64.b64decode(ed_p, validate=True)), 32)  # raw key (RFC 8463), not SPKI
        self.assertEqual(self.rsa.name, "rsa2026._domainkey.example.com")
        parsed = KeyRecord.parse("s1._domainkey.Example.COM=v=DKIM1; k=rsa; p=AB==")
        self.assertEqual((parsed.domain, parsed.selector, parsed.txt), ("example.com", "s1", "v=DKIM1; k=rsa; p=AB=="))
        with self.assertRaises(ValueError):
            KeyRecord.parse("example.com=v=DKIM1")
        self.assertEqual(os.stat(self.rsa_key).st_mode & 0o077, 0)

    # --- intact messages pass ---------------------------------------------------

    def test_signed_messages_pass(self):
        for label, message in MESSAGES.items():
            for algorithm in ("rsa-sha256", "ed25519-sha256"):
                with self.subTest(message=label, algorithm=algorithm):
                    self.assert_verdicts(self.verify(self.sign(message, algorithm)), algorithm, ok=True)

    def test_no_final_crlf_with_simple_body_passes(self):
        """RFC 6376 3.4.3: simple adds the missing final CRLF. Mail::DKIM 1.20230212
        does not (dkim_verify.pl adds it) and opendkim -t skips such a file
        (verify_opendkim adds it); without that both would not pass here."""
        for canon in (("simple", "simple"), ("relaxed", "simple")):
            with self.subTest(canonicalize=canon):
                signed = sign_dkimpy(MESSAGES["no_final_crlf"], DOMAIN, "rsa2026", self.rsa_key, SIGNED,
                                     canonicalize=canon)
                self.assertFalse(signed.endswith(b"\n"))
                self.assert_verdicts(self.verify(signed), "rsa-sha256", ok=True)
                altered = signed.replace(b"without CRLF", b"without CRLF.")
                self.assert_verdicts(self.verify(altered), "rsa-sha256", ok=False)

    def test_unsigned_message_has_no_results(self):
        results = self.verify(MESSAGES["text"])
        self.assertEqual(results, {"dkimpy": [], "mail_dkim": [], "opendkim": []})
        self.assertEqual(dv.verdict(results["dkimpy"]), "n/a")

    # --- tampered messages fail ---------------------------------------------------

    def tampered(self, message, change):
        signed = {a: self.sign(message, a) for a in ("rsa-sha256", "ed25519-sha256")}
        for algorithm, original in signed.items():
            altered = change(original)
            self.assertNotEqual(altered, original)
            yield algorithm, altered

    def test_changed_body_byte_fails(self):
        def flip_last_body_byte(m):
            return m[:-3] + bytes([m[-3] ^ 0x01]) + m[-2:]
        for label in ("text", "base64", "no_final_crlf"):
            for algorithm, altered in self.tampered(MESSAGES[label], flip_last_body_byte):
                with self.subTest(message=label, algorithm=algorithm):
                    self.assert_verdicts(self.verify(altered), algorithm, ok=False)

    def test_text_added_to_empty_body_fails(self):
        for algorithm, altered in self.tampered(MESSAGES["empty_body"], lambda m: m + b"x\r\n"):
            with self.subTest(algorithm=algorithm):
                self.assert_verdicts(self.verify(altered), algorithm, ok=False)

    def test_changed_subject_fails(self):
        def change_subject(m):
            return m.replace(SUBJECT_JP.encode(), b"=?ISO-2022-JP?B?GyRCJCpDTiRpJDsbKEI=?= !", 1)
        for algorithm, altered in self.tampered(MESSAGES["base64"], change_subject):
            with self.subTest(algorithm=algorithm):
                self.assert_verdicts(self.verify(altered), algorithm, ok=False)

    def test_second_from_above_fails_when_from_is_oversigned(self):
        def add_from_above(m):
            return m.replace(b"\r\nFrom: ", b"\r\nFrom: Mallory <mallory@evil.example>\r\nFrom: ", 1)
        for algorithm, altered in self.tampered(MESSAGES["text"], add_from_above):
            with self.subTest(algorithm=algorithm):
                self.assertEqual(altered.count(b"\r\nFrom: "), 2)
                self.assert_verdicts(self.verify(altered), algorithm, ok=False)

    def test_second_from_above_without_oversigning_only_dkimpy_fails(self):
        """Pins a verifier difference: h=from once covers the bottom-most From
        only (RFC 6376 5.4.2), so Mail::DKIM and OpenDKIM still pass when a From
        is added above it; dkimpy hashes one more "from" than h= lists and fails.
        A signer has to oversign From for all verifiers to catch this."""
        once = [h for i, h in enumerate(SIGNED) if h != "from" or i == 0]
        signed = self.sign(MESSAGES["text"], "rsa-sha256", once)
        self.assert_verdicts(self.verify(signed), "rsa-sha256", ok=True, signed=once)
        altered = signed.replace(b"\r\nFrom: ", b"\r\nFrom: Mallory <mallory@evil.example>\r\nFrom: ", 1)
        results = self.verify(altered)
        self.assertEqual([r.ok for r in results["dkimpy"]], [False])
        self.assertEqual([r.ok for r in results["mail_dkim"]], [True])
        self.assertEqual([r.ok for r in results["opendkim"]], [True])
        # a From added below the signed one is what h=from covers: every verifier fails
        below = signed.replace(b"\r\nTo: ", b"\r\nFrom: Mallory <mallory@evil.example>\r\nTo: ", 1)
        self.assert_verdicts(self.verify(below), "rsa-sha256", ok=False, signed=once)

    def test_changed_key_record_fails(self):
        for label in ("text", "empty_body"):
            for algorithm in ("rsa-sha256", "ed25519-sha256"):
                with self.subTest(message=label, algorithm=algorithm):
                    signed = self.sign(MESSAGES[label], algorithm)
                    self.assert_verdicts(self.verify(signed, self.wrong_records), algorithm, ok=False)

    def test_missing_key_record_fails(self):
        for algorithm in ("rsa-sha256", "ed25519-sha256"):
            with self.subTest(algorithm=algorithm):
                self.assert_verdicts(self.verify(self.sign(MESSAGES["text"], algorithm), []), algorithm, ok=False)

    def test_ed25519_key_as_spki_fails(self):
        """RFC 8463: p= is the raw 32-byte key; the 44-byte SubjectPublicKeyInfo
        form (what `openssl pkey -pubout` gives) is rejected."""
        spki = subprocess.run([dv.OPENSSL, "pkey", "-in", self.ed_key, "-pubout", "-outform", "DER"],
                              capture_output=True, check=True).stdout
        record = KeyRecord(DOMAIN, "ed2026", "v=DKIM1; k=ed25519; p=" + base64.b64encode(spki).decode())
        results = self.verify(self.sign(MESSAGES["text"], "ed25519-sha256"), [record])
        self.assert_verdicts(results, "ed25519-sha256", ok=False)
        self.assertIn("32 bytes", results["dkimpy"][0].detail)
        self.assertEqual(results["opendkim"][0].detail, "permerror: unable to apply public key")

    def test_revoked_key_fails(self):
        revoked = [KeyRecord(DOMAIN, "rsa2026", "v=DKIM1; k=rsa; p=")]
        self.assert_verdicts(self.verify(self.sign(MESSAGES["base64"], "rsa-sha256"), revoked), "rsa-sha256", ok=False)

    # --- two signatures -------------------------------------------------------------

    def test_two_signatures_give_two_results_in_message_order(self):
        message = self.sign(self.sign(MESSAGES["base64"], "rsa-sha256"), "ed25519-sha256")  # Ed25519 on top
        results = self.verify(message)
        for name in ("dkimpy", "mail_dkim", "opendkim"):
            with self.subTest(verifier=name):
                sigs = results[name]
                self.assertEqual([(r.algorithm, r.selector) for r in sigs],
                                 [("ed25519-sha256", "ed2026"), ("rsa-sha256", "rsa2026")])
                self.assertEqual([r.headers for r in sigs], [SIGNED, SIGNED])
        self.assertEqual([r.ok for r in results["dkimpy"]], [True, True])
        self.assertEqual([r.ok for r in results["opendkim"]], [True, True])
        self.assertEqual([(r.ok, r.unsupported) for r in results["mail_dkim"]], [(False, True), (True, False)])
        self.assertEqual({dv.verdict(sigs) for sigs in results.values()}, {"pass"})

        # the RSA key replaced: the Ed25519 signature still passes, the RSA one does not
        results = self.verify(message, [self.ed, self.wrong_records[0]])
        self.assertEqual([r.ok for r in results["dkimpy"]], [True, False])
        self.assertEqual([r.ok for r in results["opendkim"]], [True, False])
        self.assertEqual([r.ok for r in results["mail_dkim"]], [False, False])
        self.assertEqual({dv.verdict(sigs) for sigs in results.values()}, {"fail"})

    # --- the command lines ------------------------------------------------------------

    def write(self, name, data):
        path = os.path.join(self.tmp, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def test_cli(self):
        signed = self.sign(self.sign(MESSAGES["no_final_crlf"], "rsa-sha256"), "ed25519-sha256")
        good = self.write("good.eml", signed)
        bad = self.write("bad.eml", signed.replace(b"last line", b"last  line!"))
        cli = [sys.executable, os.path.join(dv.HERE, "dkim_verifiers.py")]
        keys = [arg for r in self.records for arg in ("--key-record", f"{r.name}={r.txt}")]
        ok = subprocess.run(cli + keys + [good], capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stdout + ok.stderr)
        lines = ok.stdout.splitlines()
        self.assertEqual([line.split(":")[0] for line in lines], ["dkimpy", "mail_dkim", "opendkim"])
        self.assertTrue(all(": PASS [" in line for line in lines), ok.stdout)
        failed = subprocess.run(cli + keys + [bad], capture_output=True, text=True, timeout=60)
        self.assertEqual(failed.returncode, 1, failed.stdout + failed.stderr)
        self.assertEqual(failed.stdout.count(": FAIL ["), 3, failed.stdout)
        # an Ed25519-only message: Mail::DKIM is not applicable, the others decide
        ed_only = self.write("ed.eml", self.sign(MESSAGES["text"], "ed25519-sha256"))
        res = subprocess.run(cli + keys + [ed_only], capture_output=True, text=True, timeout=60)
        self.assertEqual(res.returncode, 0, res.stdout + res.stderr)
        self.assertIn("mail_dkim: N/A [", res.stdout)
        unsigned = subprocess.run(cli + keys + [self.write("u.eml", MESSAGES["text"])],
                                  capture_output=True, text=True, timeout=60)
        self.assertEqual(unsigned.returncode, 1, unsigned.stdout)

    def test_perl_verifier_cli(self):
        signed = self.sign(self.sign(MESSAGES["empty_body"], "rsa-sha256"), "ed25519-sha256")
        keyfile = self.write("keys.txt", "".join(f"{r.name}={r.txt}\n" for r in self.records).encode()
                             + b"# comment\n\n")
        perl = [dv.PERL, dv.DKIM_VERIFY_PL, "--keys", keyfile]
        one = subprocess.run(perl, input=signed, capture_output=True, timeout=60)
        self.assertEqual(one.returncode, 0, one.stdout + one.stderr)
        lines = one.stdout.decode().splitlines()
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[0].startswith("invalid d=example.com s=ed2026 a=ed25519-sha256 h=from:from:to:"), lines[0])
        self.assertTrue(lines[0].endswith("(unsupported algorithm ed25519-sha256)"), lines[0])
        self.assertTrue(lines[1].startswith("pass d=example.com s=rsa2026 a=rsa-sha256 h=from:from:to:"), lines[1])
        every = subprocess.run(perl + ["--all", self.write("two.eml", signed)], capture_output=True, timeout=60)
        self.assertEqual(every.returncode, 1, every.stdout)  # the Ed25519 one does not pass
        nokey = subprocess.run([dv.PERL, dv.DKIM_VERIFY_PL], input=signed, capture_output=True, timeout=60)
        self.assertEqual(nokey.returncode, 1)
        self.assertIn(b"(public key: not available)", nokey.stdout)
        usage = subprocess.run([dv.PERL, dv.DKIM_VERIFY_PL, "--key", "no-equals-sign"], input=b"",
                               capture_output=True, timeout=60)
        self.assertEqual(usage.returncode, 2)

    # --- the OpenDKIM output parser ------------------------------------------------------

    def test_opendkim_authentication_results_parser(self):
        value = ("dkim-verifiers;\n\tdkim=fail reason=\"key not found; in DNS\" header.d=example.com "
                 "header.i=@example.com header.a=ed25519-sha256 header.s=ed header.b=6/7HzDmH;\n"
                 "\tdkim=pass (2048-bit key; unprotected) header.d=example.com header.i=@example.com "
                 "header.a=rsa-sha256 header.s=sel header.b=vBb+WE6K;\n\tdkim-atps=neutral")
        self.assertEqual(dv._parse_opendkim_ar(value), [
            ("fail", "key not found; in DNS",
             {"d": "example.com", "i": "@example.com", "a": "ed25519-sha256", "s": "ed", "b": "6/7HzDmH"}),
            ("pass", "",
             {"d": "example.com", "i": "@example.com", "a": "rsa-sha256", "s": "sel", "b": "vBb+WE6K"}),
        ])
        self.assertEqual(dv._parse_opendkim_ar("x; dkim=none; dkim-atps=neutral"), [("none", "", {})])

    def test_sig_result_str(self):
        r = SigResult("dkimpy", DOMAIN, "s", "rsa-sha256", False, "fail: body hash mismatch", ["from"])
        self.assertEqual(str(r), "FAIL rsa-sha256 d=example.com s=s (fail: body hash mismatch)")


if __name__ == "__main__":
    unittest.main()
