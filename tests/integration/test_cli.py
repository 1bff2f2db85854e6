"""The command line (SPEC §2): `kizuna check` prints file:line:col per problem
and exits 0 only when valid; `serve` refuses an invalid config with the same
messages and exit 78; every command has --help; nothing prints a stack trace."""
import os
import subprocess
import unittest

from harness import KIZUNA, SOURCE_DIR

INVALID = os.path.join(SOURCE_DIR, "tests/fixtures/config/invalid")


def kizuna(*args):
    return subprocess.run([KIZUNA, *args], capture_output=True, text=True, timeout=30)


def minimal_config(tmp, rest):
    """kizuna.yaml in tmp: a maildir relay on embedded Redis, then `rest` (7th line on)."""
    conf = os.path.join(tmp, "kizuna.yaml")
    with open(conf, "w") as f:
        f.write(f"listen:\n  - address: 127.0.0.1:0\ndownstream:\n  maildir: {tmp}/md\n"
                f"redis:\n  embedded: true\nstate_dir: {tmp}/state\n{rest}")
    return conf


class Cli(unittest.TestCase):
    def test_check_accepts_the_shipped_configs(self):
        for name in ("kizuna.yaml", "kizuna.example.yaml"):
            r = kizuna("check", "--config", os.path.join(SOURCE_DIR, "config", name))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("ok", r.stdout)

    def test_check_warns_when_footers_need_unsubscribe_links_the_config_cannot_make(self):
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            conf = minimal_config(tmp, f"policies: [{SOURCE_DIR}/policies/*.yaml]\n")
            r = kizuna("check", "--config", conf)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("warning: merge.footer uses {{unsubscribe_url}} but the config has no unsubscribe "
                          "section", r.stdout)

    def test_check_reports_file_line_col_and_exits_78(self):
        path = os.path.join(INVALID, "unknown_top_level_key.yaml")
        r = kizuna("check", "--config", path)
        self.assertEqual(r.returncode, 78)
        self.assertIn(f'{path}:7:1: unknown key "colour"', r.stderr)

    def test_check_reports_every_error_in_a_file(self):
        path = os.path.join(INVALID, "bad_values.yaml")
        with open(os.path.join(INVALID, "bad_values.expected")) as f:
            expected = [l for l in f.read().splitlines() if l]
        r = kizuna("check", "--config", path)
        self.assertEqual(r.returncode, 78)
        got = [l.replace(INVALID + "/", "") for l in r.stderr.splitlines()]
        # The config's errors, then those of the policies it names (in one run).
        self.assertEqual(got[:len(expected)], expected)
        self.assertEqual(got[len(expected):], ["policies: 'policies/a.yaml' matches no file"])
        self.assertGreater(len(got), 1)

    def test_check_reports_config_and_policy_errors_in_one_run(self):
        """Issue 13: config errors came first and policy errors only on the next run."""
        import tempfile
        with tempfile.TemporaryDirectory() as tmp:
            policy = os.path.join(tmp, "bad.yaml")
            with open(policy, "w") as f:
                f.write("rules:\n  - id: r1\n    match: {no_such_matcher: 1}\n    action: relay\n")
            conf = minimal_config(tmp, "colour: blue\npolicies: [bad.yaml]\n")
            r = kizuna("check", "--config", conf)
            self.assertEqual(r.returncode, 78)
            self.assertIn(f'{conf}:8:1: unknown key "colour"', r.stderr)
            self.assertIn(f"{policy}:3:", r.stderr)

    def test_serve_refuses_an_invalid_config_with_78(self):
        path = os.path.join(INVALID, "bad_protocol.yaml")
        r = kizuna("serve", "--config", path)
        self.assertEqual(r.returncode, 78)
        self.assertIn(f"{path}:", r.stderr)
        self.assertNotIn("terminate called", r.stderr)

    def test_missing_config_file_is_a_clear_error(self):
        r = kizuna("check", "--config", "/nonexistent/kizuna.yaml")
        self.assertEqual(r.returncode, 78)
        self.assertIn("/nonexistent/kizuna.yaml", r.stderr)

    def test_every_command_has_help(self):
        for cmd in (["--help"], ["serve", "--help"], ["check", "--help"]):
            r = kizuna(*cmd)
            self.assertEqual(r.returncode, 0, cmd)
            self.assertIn("usage: kizuna", r.stdout)

    def test_usage_errors_exit_64(self):
        self.assertEqual(kizuna().returncode, 64)
        self.assertEqual(kizuna("frobnicate").returncode, 64)
        self.assertEqual(kizuna("check").returncode, 64)
        self.assertEqual(kizuna("check", "--bogus").returncode, 64)


if __name__ == "__main__":
    unittest.main()
