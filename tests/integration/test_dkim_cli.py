"""`kizuna dkim` (issue 12): keygen writes a new 0600 PKCS#8 key (never over an
existing file) and prints the TXT record to publish in zone-file form, strings
of at most 255 characters; `dkim dns` prints the record of every configured
key. The records are checked the way a receiver would: a message signed with
the generated key by dkimpy verifies against the printed record (and against
no other key's)."""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

from harness import KIZUNA
from dkim_verifiers import KeyRecord, sign_dkimpy, verify_dkimpy

MESSAGE = (b"From: News <news@example.com>\r\n"
           b"To: reader@example.net\r\n"
           b"Subject: DKIM keygen test\r\n"
           b"Date: Fri, 04 Dec 2026 10:00:00 +0900\r\n"
           b"Message-ID: <keygen.1@example.com>\r\n"
           b"\r\n"
           b"Hello.\r\n")
HEADERS = ["from", "to", "subject", "date", "message-id"]

RECORD = re.compile(r'^(\S+)\._domainkey\.(\S+)\. IN TXT \((.*?)\)\s*$', re.M | re.S)
STRING = re.compile(r'"((?:[^"\\]|\\.)*)"')


def kizuna(*args, cwd=None):
    return subprocess.run([KIZUNA, *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def parse_records(text):
    """[(selector, domain, [character-strings])] of the zone-file TXT records in `text`."""
    return [(m.group(1), m.group(2), STRING.findall(m.group(3))) for m in RECORD.finditer(text)]


def record_of(stdout):
    """The one record keygen printed, as a KeyRecord (strings joined, RFC 6376 §3.6.2.2)."""
    records = parse_records(stdout)
    assert len(records) == 1, stdout
    selector, domain, strings = records[0]
    return KeyRecord(domain, selector, "".join(strings)), strings


def write_config(tmp, keys):
    """A minimal kizuna.yaml with a dkim section (Redis is never contacted by `dkim dns`)."""
    conf = os.path.join(tmp, "kizuna.yaml")
    entries = "".join(f"    - {{domain: {d}, selector: {s}, key_file: {f}}}\n" for d, s, f in keys)
    with open(conf, "w") as f:
        f.write(f"listen:\n  - address: 127.0.0.1:0\ndownstream:\n  maildir: {tmp}/md\n"
                f"redis:\n  address: unix:/nonexistent/redis.sock\nstate_dir: {tmp}/state\n"
                f"dkim:\n  keys:\n{entries}")
    return conf


class DkimKeygen(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kizuna-dkim-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def keygen(self, *args):
        return kizuna("dkim", "keygen", *args, cwd=self.tmp)

    def check_signs_and_verifies(self, path, domain, selector, algorithm):
        r = self.keygen("--domain", domain, "--selector", selector, "--out", path,
                        *(["--type", "ed25519"] if algorithm.startswith("ed25519") else []))
        self.assertEqual(r.returncode, 0, r.stderr)
        record, strings = record_of(r.stdout)
        self.assertEqual((record.domain, record.selector), (domain, selector))
        self.assertTrue(all(len(s) <= 255 for s in strings), [len(s) for s in strings])
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        with open(path) as f:
            self.assertTrue(f.read().startswith("-----BEGIN PRIVATE KEY-----\n"))  # PKCS#8
        signed = sign_dkimpy(MESSAGE, domain, selector, path, HEADERS, algorithm=algorithm)
        results = verify_dkimpy(signed, [record])
        self.assertEqual([(r.algorithm, r.ok) for r in results], [(algorithm, True)], results)
        return r, record, signed

    def test_rsa_key_is_0600_pkcs8_and_its_split_record_verifies_signatures(self):
        path = os.path.join(self.tmp, "rsa.pem")
        r, record, signed = self.check_signs_and_verifies(path, "example.com", "k2026", "rsa-sha256")
        self.assertTrue(record.txt.startswith("v=DKIM1; k=rsa; p=MII"), record.txt)
        _, strings = record_of(r.stdout)
        self.assertGreater(len(strings), 2)  # RSA-2048's p= (392 characters) is split
        self.assertTrue(r.stdout.startswith("k2026._domainkey.example.com. IN TXT ( \"v=DKIM1; k=rsa; \""))
        # The stderr names the file and the config entry to add.
        self.assertIn(path, r.stderr)
        self.assertIn(f"- {{domain: example.com, selector: k2026, key_file: {path}}}", r.stderr)
        # Another key's record does not verify it: the check above means something.
        other = os.path.join(self.tmp, "other.pem")
        r2 = self.keygen("--domain", "example.com", "--selector", "k2026", "--out", other)
        self.assertEqual(r2.returncode, 0, r2.stderr)
        wrong, _ = record_of(r2.stdout)
        self.assertNotEqual(wrong.txt, record.txt)
        self.assertEqual([r.ok for r in verify_dkimpy(signed, [wrong])], [False])

    def test_ed25519_record_is_the_raw_key_and_verifies_signatures(self):
        path = os.path.join(self.tmp, "ed.pem")
        r, record, _ = self.check_signs_and_verifies(path, "mail.example.org", "ed1", "ed25519-sha256")
        m = re.fullmatch(r"v=DKIM1; k=ed25519; p=([A-Za-z0-9+/]{43}=)", record.txt)
        self.assertIsNotNone(m, record.txt)  # 32 raw bytes (RFC 8463), not an SPKI

    def test_default_file_name_is_domain_selector_pem_in_the_current_directory(self):
        r = self.keygen("--domain", "Bücher.Example", "--selector", "s1", "--type", "ed25519")
        self.assertEqual(r.returncode, 0, r.stderr)
        path = os.path.join(self.tmp, "xn--bcher-kva.example.s1.pem")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertTrue(r.stdout.startswith("s1._domainkey.xn--bcher-kva.example. IN TXT"), r.stdout)

    def test_an_existing_file_is_never_overwritten(self):
        path = os.path.join(self.tmp, "key.pem")
        r = self.keygen("--domain", "example.com", "--selector", "s1", "--out", path, "--type", "ed25519")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path, "rb") as f:
            before = f.read()
        for args in ([], ["--type", "ed25519"]):
            again = self.keygen("--domain", "example.com", "--selector", "s1", "--out", path, *args)
            self.assertEqual(again.returncode, 73, again.stderr)
            self.assertEqual(again.stdout, "")
            self.assertEqual(len(again.stderr.splitlines()), 1, again.stderr)
            self.assertIn(path, again.stderr)
            self.assertIn("already exists", again.stderr)
            with open(path, "rb") as f:
                self.assertEqual(f.read(), before)

    def test_an_uncreatable_file_exits_73(self):
        r = self.keygen("--domain", "example.com", "--selector", "s1", "--out",
                        os.path.join(self.tmp, "no-such-dir", "k.pem"))
        self.assertEqual(r.returncode, 73, r.stderr)
        self.assertIn("no-such-dir", r.stderr)

    def test_bad_arguments_exit_64_with_one_line(self):
        cases = [
            ("--bits: expected 1024..8192", ["--domain", "example.com", "--selector", "s", "--bits", "512"]),
            ("--bits: expected 1024..8192", ["--domain", "example.com", "--selector", "s", "--bits", "16384"]),
            ("--bits: expected 1024..8192", ["--domain", "example.com", "--selector", "s", "--bits", "2048x"]),
            ("--bits applies to rsa", ["--domain", "example.com", "--selector", "s", "--type", "ed25519",
                                       "--bits", "2048"]),
            ("--type: expected rsa or ed25519", ["--domain", "example.com", "--selector", "s", "--type", "dsa"]),
            ("top-level domain", ["--domain", "com", "--selector", "s"]),
            ("--domain: invalid", ["--domain", "exa mple.com", "--selector", "s"]),
            ("--selector SELECTOR is required", ["--domain", "example.com"]),
            ("--domain DOMAIN is required", ["--selector", "s"]),
            ("--selector: expected", ["--domain", "example.com", "--selector", "bad_selector"]),
            ("unknown option", ["--domain", "example.com", "--selector", "s", "--force"]),
        ]
        for expected, args in cases:
            with self.subTest(args=args):
                r = self.keygen(*args)
                self.assertEqual(r.returncode, 64, r.stderr)
                self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
                self.assertIn(expected, r.stderr)
                self.assertEqual(r.stdout, "")
        self.assertEqual(os.listdir(self.tmp), [])  # no key was written by any of them

    def test_help_and_missing_command(self):
        r = kizuna("dkim", "--help")
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: kizuna dkim keygen", r.stdout)
        for args in ([], ["frob"], ["dns"]):
            r = kizuna("dkim", *args)
            self.assertEqual(r.returncode, 64, args)
            self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)
        self.assertIn("dkim", kizuna("--help").stdout)


class DkimDns(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kizuna-dkim-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def keygen(self, domain, selector, *args):
        path = os.path.join(self.tmp, f"{domain}.{selector}.pem")
        r = kizuna("dkim", "keygen", "--domain", domain, "--selector", selector, "--out", path, *args)
        self.assertEqual(r.returncode, 0, r.stderr)
        return path, r.stdout

    def test_prints_every_configured_key_as_keygen_did(self):
        rsa, rsa_record = self.keygen("example.com", "rsa1")
        ed, ed_record = self.keygen("example.com", "ed1", "--type", "ed25519")
        conf = write_config(self.tmp, [("example.com", "rsa1", rsa), ("example.com", "ed1", ed)])
        r = kizuna("dkim", "dns", "--config", conf)
        self.assertEqual(r.returncode, 0, r.stderr)
        comments = [l for l in r.stdout.splitlines() if l.startswith(";")]
        self.assertEqual(comments, [f"; dkim.keys[0]: {rsa} (rsa-2048)", f"; dkim.keys[1]: {ed} (ed25519)"])
        self.assertEqual(parse_records(r.stdout), parse_records(rsa_record) + parse_records(ed_record))
        self.assertIn(rsa_record, r.stdout)
        self.assertIn(ed_record, r.stdout)

    def test_a_key_others_can_read_is_a_config_error(self):
        path, _ = self.keygen("example.com", "s1", "--type", "ed25519")
        os.chmod(path, 0o644)
        conf = write_config(self.tmp, [("example.com", "s1", path)])
        r = kizuna("dkim", "dns", "--config", conf)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertIn(path, r.stderr)
        self.assertIn("chmod 600", r.stderr)

    def test_a_config_without_dkim_is_a_config_error(self):
        conf = os.path.join(self.tmp, "kizuna.yaml")
        with open(conf, "w") as f:
            f.write(f"listen:\n  - address: 127.0.0.1:0\ndownstream:\n  maildir: {self.tmp}/md\n"
                    f"redis:\n  address: unix:/nonexistent/redis.sock\nstate_dir: {self.tmp}/state\n")
        self.assertEqual(kizuna("check", "--config", conf).returncode, 0)  # valid otherwise
        r = kizuna("dkim", "dns", "--config", conf)
        self.assertEqual(r.returncode, 78)
        self.assertIn("no dkim section", r.stderr)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)

    def test_keygen_options_are_refused(self):
        r = kizuna("dkim", "dns", "--config", "/nonexistent.yaml", "--domain", "example.com")
        self.assertEqual(r.returncode, 64)
        self.assertEqual(len(r.stderr.splitlines()), 1, r.stderr)


if __name__ == "__main__":
    unittest.main()
