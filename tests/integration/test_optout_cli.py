"""`kizuna optout` (SPEC §2, §4) against a real redis-server: add / check /
remove with scopes and domains, address normalization end to end (trim, case,
IDN to punycode), CSV import with malformed rows reported as FILE:LINE and
skipped, export -> import round trip, and the exit statuses (0, 1, 64, 65, 69)."""
import os
import subprocess
import unittest

from harness import KIZUNA, RelayTestCase

HEADER = "address,scope,source,reason,at"


def parse_resp(data):
    """Decodes one RESP reply (bytes) into Python values; enough for these tests."""
    def parse(i):
        kind, end = data[i:i + 1], data.index(b"\r\n", i)
        head = data[i + 1:end]
        i = end + 2
        if kind in (b"+", b"-"):
            return head.decode(), i
        if kind == b":":
            return int(head), i
        if kind == b"$":
            n = int(head)
            if n < 0:
                return None, i
            return data[i:i + n].decode(), i + n + 2
        if kind == b"*":
            out = []
            for _ in range(int(head)):
                v, i = parse(i)
                out.append(v)
            return out, i
        raise ValueError(f"unexpected RESP {data!r}")
    return parse(0)[0]


class OptoutCli(RelayTestCase):
    def setUp(self):
        super().setUp()
        os.makedirs(os.path.join(self.tmp, "maildir"), exist_ok=True)
        self.config = self.write_config("kizuna.yaml", "kizuna:")

    def write_config(self, name, prefix, redis_yaml=None):
        redis_yaml = redis_yaml or f"  address: unix:{self.redis.sock}\n"
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(f"listen:\n  - address: 127.0.0.1:0\n    protocol: smtp\n"
                    f"downstream:\n  maildir: {self.tmp}/maildir\n"
                    f"redis:\n{redis_yaml}  key_prefix: \"{prefix}\"\n"
                    f"state_dir: {self.tmp}/state\n")
        return path

    def optout(self, *args, config=None, stdin=None):
        return subprocess.run([KIZUNA, "optout", *args, "--config", config or self.config],
                              capture_output=True, text=True, timeout=60, input=stdin)

    def r(self, *args):
        return parse_resp(self.redis.command(*args))

    def hash(self, key):
        flat = self.r("HGETALL", key)
        return dict(zip(flat[::2], flat[1::2]))

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        return path

    # add / check / remove

    def test_add_check_remove_round_trip(self):
        r = self.optout("add", "alice@example.com", "--source", "crm", "--reason", "asked by phone",
                        "--at", "1700000000")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.hash("kizuna:optout:{alice@example.com}"), {"*": "1700000000|crm|asked by phone"})
        r = self.optout("check", "alice@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("alice@example.com scope=* at=1700000000 (2023-11-14T22:13:20Z) source=crm reason=asked by phone",
                      r.stdout)
        r = self.optout("remove", "alice@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.r("EXISTS", "kizuna:optout:{alice@example.com}"), 0)
        r = self.optout("check", "alice@example.com")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not opted out", r.stdout)

    def test_add_defaults_to_scope_star_source_cli_and_now(self):
        self.assertEqual(self.optout("add", "bob@example.com").returncode, 0)
        at, source, reason = self.hash("kizuna:optout:{bob@example.com}")["*"].split("|")
        self.assertEqual((source, reason), ("cli", ""))
        self.assertGreater(int(at), 1600000000)

    def test_add_keeps_the_first_opt_out_time_unless_replace(self):
        self.optout("add", "carol@example.com", "--at", "100")
        r = self.optout("add", "carol@example.com", "--at", "200")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("kept", r.stdout)
        self.assertEqual(self.hash("kizuna:optout:{carol@example.com}")["*"], "100|cli|")
        self.optout("add", "carol@example.com", "--at", "200", "--replace")
        self.assertEqual(self.hash("kizuna:optout:{carol@example.com}")["*"], "200|cli|")

    def test_pipes_and_line_breaks_in_source_and_reason_are_sanitized(self):
        r = self.optout("add", "dave@example.com", "--source", "crm|x", "--reason", "line1\r\nline2 | more",
                        "--at", "5")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.hash("kizuna:optout:{dave@example.com}")["*"], "5|crm/x|line1  line2 / more")

    def test_scopes_are_separate_and_star_covers_every_category(self):
        self.optout("add", "erin@example.com", "--scope", "newsletter", "--at", "1")
        self.assertEqual(self.optout("check", "erin@example.com", "--scope", "newsletter").returncode, 0)
        self.assertEqual(self.optout("check", "erin@example.com", "--scope", "step").returncode, 1)
        self.assertEqual(self.optout("check", "erin@example.com").returncode, 0)
        self.optout("add", "erin@example.com", "--at", "2")
        self.assertEqual(self.optout("check", "erin@example.com", "--scope", "step").returncode, 0)
        self.assertEqual(self.hash("kizuna:optout:{erin@example.com}"), {"newsletter": "1|cli|", "*": "2|cli|"})
        self.optout("remove", "erin@example.com", "--scope", "newsletter")
        self.assertEqual(self.hash("kizuna:optout:{erin@example.com}"), {"*": "2|cli|"})
        self.optout("add", "erin@example.com", "--scope", "newsletter")
        r = self.optout("remove", "erin@example.com", "--scope", "all")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.r("EXISTS", "kizuna:optout:{erin@example.com}"), 0)

    def test_domain_optout_covers_every_address_of_the_domain(self):
        r = self.optout("add", "--domain", "Bücher.Example", "--at", "7", "--reason", "whole company")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.hash("kizuna:optout-domain:xn--bcher-kva.example"), {"*": "7|cli|whole company"})
        r = self.optout("check", "anyone@BÜCHER.example")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("@xn--bcher-kva.example scope=* at=7", r.stdout)
        # "@domain" is the same as --domain, as in CSV files.
        self.assertEqual(self.optout("check", "@bücher.example").returncode, 0)
        self.assertEqual(self.optout("remove", "@bücher.example").returncode, 0)
        self.assertEqual(self.optout("check", "anyone@bücher.example").returncode, 1)

    def test_idn_and_case_are_normalized_end_to_end(self):
        self.assertEqual(self.optout("add", "  Alice@Example.COM ").returncode, 0)
        self.assertEqual(self.optout("add", "user@bücher.example").returncode, 0)
        self.assertEqual(self.optout("add", "山田@例え.jp").returncode, 0)
        keys = sorted(self.r("KEYS", "kizuna:optout:*"))
        self.assertEqual(keys, ["kizuna:optout:{alice@example.com}", "kizuna:optout:{user@xn--bcher-kva.example}",
                                "kizuna:optout:{山田@xn--r8jz45g.jp}"])
        self.assertEqual(self.optout("check", "USER@xn--BCHER-kva.example").returncode, 0)
        self.assertEqual(self.optout("check", "山田@例え.JP").returncode, 0)

    def test_bad_addresses_and_usage_errors(self):
        for bad in ("a", "a@", "@", "a@@b", "a@b\r\nX"):
            r = self.optout("add", bad)
            self.assertEqual(r.returncode, 65, bad)
            self.assertIn("kizuna optout:", r.stderr)
        self.assertEqual(self.r("DBSIZE"), 0)
        self.assertEqual(self.optout("add").returncode, 64)
        self.assertEqual(self.optout("frobnicate", "a@b.example").returncode, 64)
        self.assertEqual(self.optout("add", "a@b.example", "--scope", "has space").returncode, 64)
        self.assertEqual(self.optout("add", "a@b.example", "--at", "yesterday").returncode, 64)
        r = subprocess.run([KIZUNA, "optout", "check", "a@b.example"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 64)
        self.assertIn("--config", r.stderr)
        r = subprocess.run([KIZUNA, "optout", "--help"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0)
        self.assertIn("usage: kizuna optout", r.stdout)

    def test_unreachable_redis_exits_69_and_says_where(self):
        config = self.write_config("down.yaml", "kizuna:", f"  address: unix:{self.tmp}/nothing.sock\n")
        r = self.optout("check", "a@b.example", config=config)
        self.assertEqual(r.returncode, 69)
        self.assertIn(f"kizuna optout: cannot reach redis at unix:{self.tmp}/nothing.sock:", r.stderr)
        config = self.write_config("embedded.yaml", "kizuna:", "  embedded: true\n")
        r = self.optout("add", "a@b.example", config=config)
        self.assertEqual(r.returncode, 69)
        self.assertIn(f"{self.tmp}/state/redis/redis.sock", r.stderr)
        self.assertIn("relay runs", r.stderr)

    # import / export

    def test_import_skips_malformed_rows_with_file_and_line(self):
        path = self.write("optouts.csv",
                          "\ufeff" + HEADER + "\r\n"
                          "Alice@Example.com,newsletter,crm,\"said \"\"stop\"\", twice\",1700000000\r\n"
                          "not-an-address,*,crm,,1700000000\r\n"
                          "山田@例え.jp,,,配信停止,\r\n"
                          "bob@example.com,*,crm,too,many,columns\r\n"
                          "@Bücher.example,*,admin,,42\r\n"
                          ",,,,\r\n")
        r = self.optout("import", path)
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn(f"{path}:3: address \"not-an-address\"", r.stderr)
        self.assertIn(f"{path}:5: expected 5 fields, found 6", r.stderr)
        self.assertIn("imported 3, skipped 2", r.stdout)
        self.assertEqual(self.hash("kizuna:optout:{alice@example.com}"),
                         {"newsletter": '1700000000|crm|said "stop", twice'})
        at, source, reason = self.hash("kizuna:optout:{山田@xn--r8jz45g.jp}")["*"].split("|")
        self.assertEqual((source, reason), ("import", "配信停止"))
        self.assertGreater(int(at), 1600000000)
        self.assertEqual(self.hash("kizuna:optout-domain:xn--bcher-kva.example"), {"*": "42|admin|"})
        self.assertEqual(self.r("EXISTS", "kizuna:optout:{bob@example.com}"), 0)

    def test_import_of_a_clean_file_exits_0_and_reads_stdin(self):
        csv = f"{HEADER}\nx@example.com,*,crm,,1\ny@example.com,*,crm,,2\n"
        r = self.optout("import", "-", stdin=csv)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported 2, skipped 0", r.stdout)
        self.assertEqual(self.hash("kizuna:optout:{y@example.com}"), {"*": "2|crm|"})

    def test_import_refuses_a_file_without_the_header(self):
        path = self.write("noheader.csv", "a@example.com,*,crm,,1\n")
        r = self.optout("import", path)
        self.assertEqual(r.returncode, 65)
        self.assertIn(f"{path}:1: unknown column", r.stderr)
        self.assertEqual(self.optout("import", os.path.join(self.tmp, "missing.csv")).returncode, 66)

    def test_export_then_import_into_a_fresh_prefix_gives_the_same_data(self):
        self.optout("add", "alice@example.com", "--at", "10", "--reason", 'comma, "quotes" and 日本語')
        self.optout("add", "alice@example.com", "--scope", "newsletter", "--at", "11", "--source", "one-click")
        self.optout("add", "山田@例え.jp", "--at", "12")
        self.optout("add", "--domain", "bücher.example", "--scope", "step", "--at", "13")
        out = os.path.join(self.tmp, "export.csv")
        r = self.optout("export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out, encoding="utf-8", newline="") as f:
            exported = f.read()
        lines = exported.split("\r\n")
        self.assertEqual(lines[0], HEADER)
        self.assertEqual(sorted(l for l in lines[1:] if l), sorted([
            'alice@example.com,*,cli,"comma, ""quotes"" and 日本語",10',
            "alice@example.com,newsletter,one-click,,11",
            "山田@xn--r8jz45g.jp,*,cli,,12",
            "@xn--bcher-kva.example,step,cli,,13",
        ]))

        copy = self.write_config("copy.yaml", "copy:")
        r = self.optout("import", out, config=copy)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("imported 4, skipped 0", r.stdout)
        for key in ("optout:{alice@example.com}", "optout:{山田@xn--r8jz45g.jp}",
                    "optout-domain:xn--bcher-kva.example"):
            self.assertEqual(self.hash("copy:" + key), self.hash("kizuna:" + key), key)
        r = subprocess.run([KIZUNA, "optout", "export", "-", "--config", copy], capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(sorted(r.stdout.decode().split("\r\n")), sorted(exported.split("\r\n")))

    def test_export_can_start_with_a_bom_for_excel(self):
        self.optout("add", "alice@example.com", "--at", "1")
        r = subprocess.run([KIZUNA, "optout", "export", "--bom", "--config", self.config], capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"\xef\xbb\xbf" + HEADER.encode() + b"\r\n"))


if __name__ == "__main__":
    unittest.main()
