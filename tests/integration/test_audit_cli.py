"""`kizuna audit verify` (SPEC §9) against a chain built here with hashlib from the
documented format alone (docs/audit.md), which also proves the documentation is
precise enough for an auditor to rebuild the hashes: the intact log passes, and a
copy with one record edited, deleted, or two swapped fails with exit 1 naming the
line. Rotated files are followed in seq order; usage errors exit 64."""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import KIZUNA

ZEROS = "0" * 64
FIELDS = ("ts", "seq", "instance", "message_id", "campaign", "category", "rcpt", "decision", "rule",
          "policy_version", "persona", "downstream_reply", "prev")


def kizuna(*args):
    return subprocess.run([KIZUNA, *args], capture_output=True, text=True, timeout=30)


def chain_lines(count, first_seq=1, prev=ZEROS):
    """Records as docs/audit.md defines them; returns (lines, last hash)."""
    lines = []
    for seq in range(first_seq, first_seq + count):
        record = {
            "ts": "2026-11-22T15:04:%02d.%03dZ" % (seq % 60, seq % 1000),
            "seq": seq,
            "instance": "mx1",
            "message_id": "6B030F29%06d" % seq,
            "campaign": "spring",
            "category": "newsletter",
            "rcpt": "user%d@example.org" % seq,
            "decision": "drop" if seq % 7 == 0 else "relay",
            "rule": "optout" if seq % 7 == 0 else "",
            "policy_version": "p1",
            "persona": "山田" if seq % 3 == 0 else "",
            "downstream_reply": "" if seq % 7 == 0 else "250 2.0.0 Ok \"queued\"\tas\n%d" % seq,
            "prev": prev,
        }
        assert tuple(record) == FIELDS
        # P = the canonical JSON of the record without "hash", minus its closing brace.
        body = json.dumps(record, ensure_ascii=False, separators=(",", ":"))[:-1]
        digest = hashlib.sha256((prev + "\n" + body).encode("utf-8")).hexdigest()
        lines.append(body + ',"hash":"' + digest + '"}')
        prev = digest
    return lines, prev


def write(path, lines):
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("".join(line + "\n" for line in lines))


class AuditVerify(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kizuna-audit-")
        self.log = os.path.join(self.tmp, "audit.jsonl")
        self.lines, self.last_hash = chain_lines(50)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def verify(self, *extra):
        return kizuna("audit", "verify", "--log", self.log, *extra)

    def assert_broken_at(self, line, what):
        r = self.verify()
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn(f"{self.log}:{line}: {what}", r.stderr)
        self.assertEqual(r.stdout, "")

    def test_an_intact_chain_passes(self):
        write(self.log, self.lines)
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), f"ok: 50 records in 1 files, chain intact (last hash {self.last_hash})")

    def test_an_edited_record_is_found_at_its_line(self):
        self.lines[16] = self.lines[16].replace("user17@", "user71@")
        write(self.log, self.lines)
        self.assert_broken_at(17, "record edited (hash mismatch)")

    def test_a_deleted_record_is_found_at_its_line(self):
        del self.lines[29]
        write(self.log, self.lines)
        self.assert_broken_at(30, "record missing or reordered (seq 31, expected 30)")

    def test_two_swapped_records_are_found(self):
        self.lines[4], self.lines[5] = self.lines[5], self.lines[4]
        write(self.log, self.lines)
        self.assert_broken_at(5, "record missing or reordered (seq 6, expected 5)")

    def test_a_truncated_last_record_is_found(self):
        write(self.log, self.lines)
        with open(self.log, "rb+") as f:
            f.truncate(os.path.getsize(self.log) - 20)
        self.assert_broken_at(50, "truncated record")

    def test_rotated_files_are_followed_in_seq_order(self):
        # Names sort the wrong way as strings (…9 after …10): order must come from the seq suffix.
        older, h = chain_lines(9)
        middle, h = chain_lines(11, 10, h)
        live, last = chain_lines(5, 21, h)
        write(self.log + ".20261122T150000.9", older)
        write(self.log + ".20261122T150001.20", middle)
        write(self.log, live)
        r = self.verify()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"ok: 25 records in 3 files, chain intact (last hash {last})", r.stdout)
        os.unlink(self.log + ".20261122T150000.9")
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn(".20261122T150001.20:1: chain does not start at seq 1 (seq 10)", r.stderr)
        r = self.verify("--partial")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: 16 records in 2 files", r.stdout)

    def test_config_names_the_log(self):
        write(self.log, self.lines)
        config = os.path.join(self.tmp, "kizuna.yaml")
        with open(config, "w") as f:
            f.write("listen:\n  - address: 127.0.0.1:0\n    protocol: smtp\n"
                    "downstream:\n  maildir: " + os.path.join(self.tmp, "maildir") + "\n"
                    "redis:\n  embedded: true\n"
                    "audit:\n  path: " + self.log + "\n  fsync: never\n")
        r = kizuna("audit", "verify", "--config", config)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("ok: 50 records", r.stdout)

    def test_an_invalid_config_exits_78(self):
        config = os.path.join(self.tmp, "kizuna.yaml")
        with open(config, "w") as f:
            f.write("colour: blue\n")
        r = kizuna("audit", "verify", "--config", config)
        self.assertEqual(r.returncode, 78)
        self.assertIn(config + ":", r.stderr)

    def test_no_log_is_an_error(self):
        r = self.verify()
        self.assertEqual(r.returncode, 1)
        self.assertIn("no audit log at " + self.log, r.stderr)

    def test_help_and_usage_errors(self):
        for args in (["audit", "--help"], ["audit", "verify", "--help"]):
            r = kizuna(*args)
            self.assertEqual(r.returncode, 0, args)
            self.assertIn("usage: kizuna audit", r.stdout)
        for command in ("verify", "query", "report"):
            self.assertIn(f"  {command} ", kizuna("audit", "--help").stdout)
        self.assertEqual(kizuna("audit").returncode, 64)
        self.assertEqual(kizuna("audit", "frobnicate").returncode, 64)
        self.assertEqual(kizuna("audit", "verify").returncode, 64)
        self.assertEqual(kizuna("audit", "verify", "--log").returncode, 64)
        self.assertEqual(kizuna("audit", "verify", "--bogus").returncode, 64)
        self.assertEqual(kizuna("audit", "verify", "--log", self.log, "--config", "x.yaml").returncode, 64)


if __name__ == "__main__":
    unittest.main()
