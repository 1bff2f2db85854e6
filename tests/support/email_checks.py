"""What the fixture checkers (tests/unit/mime/check_mime.py,
tests/unit/personalize/check_message_template.py, check_merge_injection.py)
share: failure bookkeeping, Python's email parser as the independent judge, the
codecs mail readers use for Japanese charset labels, the C++ tool runner and
the loop over a fixture directory. Python 3 stdlib only."""

import email
import email.policy
import os
import subprocess
import sys

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


# Mail readers read these labels with the Windows tables (see charset.hpp).
CODECS = {"shift_jis": "cp932", "sjis": "cp932", "windows-31j": "cp932", "cp932": "cp932",
          "euc-jp": "euc_jp", "iso-2022-jp": "iso2022_jp", "us-ascii": "utf-8", "": "utf-8"}
# CP932 vs JIS X 0208 mapping differences (Python's iso2022_jp/euc_jp use the JIS ones).
JIS_NORMALIZE = str.maketrans({"\uff5e": "\u301c", "\u2225": "\u2016", "\uff0d": "\u2212",
                               "\uffe0": "\u00a2", "\uffe1": "\u00a3", "\uffe2": "\u00ac"})


def parse(data):
    return email.message_from_bytes(data, policy=email.policy.default)


def defects(msg):
    """(part index, defect name) for every defect Python found, to compare input and output."""
    return [(i, type(d).__name__) for i, p in enumerate(msg.walk()) for d in p.defects]


def run_tool(tool, *args):
    return subprocess.run([tool, *args], check=True, stdout=subprocess.PIPE).stdout


def main(usage, check_fixture, at_least):
    """Command line `SCRIPT TOOL FIXTURE_DIR`: check_fixture(tool, path) for every
    *.eml in FIXTURE_DIR (at least `at_least` of them); exits 1 on any failure."""
    if len(sys.argv) != 3:
        sys.exit(usage)
    tool, fixture_dir = sys.argv[1], sys.argv[2]
    emls = sorted(f for f in os.listdir(fixture_dir) if f.endswith(".eml"))
    check(len(emls) >= at_least, "fixtures present")
    for f in emls:
        check_fixture(tool, os.path.join(fixture_dir, f))
    print("%d fixtures, %d failures" % (len(emls), len(failures)))
    sys.exit(1 if failures else 0)
