#!/usr/bin/env python3
"""Merge values never change a copy's MIME structure (issue 10, defect 3),
judged by an independent parser (Python's email package, policy=default).

For CASES seeded cases: a template from the fixture corpus (every *.eml of
FIXTURES/mime and FIXTURES/personalize, slots "{{contact.v0..3}}" put into its
text parts by merge_injection_tool) and random contact values glued from CR,
LF, NUL, "--", the template's boundaries (delimiters, close delimiters, a part
header and <script>), encoded words, invalid UTF-8 and long lines; a few values
are 1 MB. For each copy:
  1. it parses with no defect Python did not see in the template;
  2. its part tree (content types and nesting, message/* contents included) is
     the template's;
  3. each rendered text part's get_content() is the rendered text ("\\n" line
     ends; a single-part body may gain a final newline);
  4. every other leaf has the template's headers and decoded payload.
Failures print the fixture and seed; the same seed gives the same case.
Usage: check_merge_injection.py TOOL FIXTURES [CASES]"""

import base64
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from email_checks import CODECS, JIS_NORMALIZE, check, defects, failures, parse  # noqa: E402

DEFAULT_CASES = 300
BIG_EVERY = 100  # one case in BIG_EVERY has a 1 MB value
skipped = set()  # fixtures that cannot be personalized as they are (the relay holds them)
stats = {"parts": 0, "largest": 0}  # rendered text parts checked, largest copy in bytes

PIECES = [b"\r\n", b"\n", b"\r", b"\0", b"--", b"-- ", b"-", b"\r\n--", b"\n--", b" ", b"\t", b".",
          b"\r\n.\r\n", b"=", b"=3D", b"=\r\n", b"=?UTF-8?B?PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==?=",
          b"=?ISO-2022-JP?B?GyRCJDMbKEI=?=", b"\xff\xfe", b"\xe3\x81", b"\xed\xa0\x80", b"\xc0\xaf",
          "山田".encode(), "😀".encode(), "株式会社ベーシック".encode(), b"Content-Type: text/html\r\n\r\n",
          b"<script>alert(1)</script>", b"javascript:alert(1)", b"From ", b"\x1b$B", b"\x1b(B",
          b"a" * 1000, b"-" * 80]


def random_value(rng, boundaries):
    out = b""
    for _ in range(rng.randrange(12)):
        pick = rng.randrange(len(PIECES) + 4)
        if pick < len(PIECES) or not boundaries:
            out += PIECES[pick % len(PIECES)]
            continue
        b = rng.choice(boundaries)
        out += [b"\r\n--" + b + b"\r\n", b"\r\n--" + b + b"--\r\n",
                b"\n--" + b + b" \t\nContent-Type: text/html\n\n<script>alert(1)</script>",
                b"--" + b][pick - len(PIECES)]
    return out


def big_value(boundaries):
    line = b"--" + (boundaries[0] if boundaries else b"x") + b"\r\n0123456789 "
    return line * (1024 * 1024 // len(line) + 1)


def boundaries_of(msg):
    return [p.get_boundary().encode("ascii", "surrogateescape") for p in msg.walk()
            if p.get_content_maintype() == "multipart" and p.get_boundary()]


def tree(part):
    if part.is_multipart():
        return (part.get_content_type(), [tree(p) for p in part.get_payload()])
    return part.get_content_type()


def leaves(part, path=()):
    """(path, part) for every part down to multipart children (message/* is a leaf)."""
    yield path, part
    if part.get_content_maintype() == "multipart" and part.is_multipart():
        for i, p in enumerate(part.get_payload()):
            yield from leaves(p, path + (i,))


def text_of(part):
    """get_content(), except that Japanese labels are read as mail readers do
    (CP932 for Shift_JIS, as charset.hpp does), JIS mapping differences aside."""
    charset = (part.get_content_charset() or "").lower()
    if charset in CODECS:
        text = (part.get_payload(decode=True) or b"").decode(CODECS[charset], errors="replace")
    else:
        text = part.get_content()
    return text.replace("\r\n", "\n").translate(JIS_NORMALIZE)


def run_case(tool, fixture, seed, values_path):
    name = os.path.basename(fixture)
    what = "%s seed %d" % (name, seed)
    rng = random.Random(seed)
    bounds = boundaries_of(parse(open(fixture, "rb").read()))
    values = {"contact.v%d" % k: random_value(rng, bounds) for k in range(4)}
    if seed % BIG_EVERY == BIG_EVERY - 1:
        values = {k: big_value(bounds) for k in values}
    values["*"] = random_value(rng, bounds)
    with open(values_path, "wb") as f:
        for k, v in values.items():
            f.write(k.encode() + b" " + base64.b64encode(v) + b"\n")
    proc = subprocess.run([tool, fixture, str(seed), values_path], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        check(False, "%s: tool failed: %s" % (what, proc.stderr.decode(errors="replace")))
        return
    out = {}
    rendered = {}
    for line in proc.stdout.split(b"\n"):
        if not line:
            continue
        key, _, rest = line.partition(b" ")
        if key == b"part":
            path, _, payload = rest.partition(b" ")
            p = () if path == b"-" else tuple(int(i) for i in path.split(b"."))
            rendered[p] = base64.b64decode(payload).decode("utf-8")
        elif key == b"skip":
            skipped.add(name)
            return
        elif key == b"error":
            out["error"] = rest.decode(errors="replace")
        else:
            out[key.decode()] = base64.b64decode(rest)
    if "error" in out:
        check(False, "%s: render_copy error %s" % (what, out["error"]))
        return
    stats["parts"] += len(rendered)
    stats["largest"] = max(stats["largest"], len(out["copy"]))
    template, copy = parse(out["template"]), parse(out["copy"])
    new = sorted(set(defects(copy)) - set(defects(template)))
    check(not new, "%s: new defects %s" % (what, new))
    check(tree(copy) == tree(template), "%s: part tree %s != %s" % (what, tree(copy), tree(template)))
    if tree(copy) != tree(template):
        return
    a_parts, b_parts = dict(leaves(template)), dict(leaves(copy))
    for path in rendered:
        check(path in b_parts, "%s: part %s missing" % (what, path))
    for path, a in a_parts.items():
        b = b_parts[path]
        if a.get_content_maintype() == "multipart" and a.is_multipart():
            check(a.preamble == b.preamble and a.epilogue == b.epilogue, "%s: part %s preamble/epilogue" % (what, path))
        elif path in rendered:
            got, want = text_of(b), rendered[path].translate(JIS_NORMALIZE)
            check(got == want or (path == () and got == want + "\n"),
                  "%s: part %s text (%d chars, rendered %d)%s" % (what, path, len(got), len(want),
                                                                  "" if len(want) > 2000 else ": %r != %r" % (got, want)))
        elif path != ():
            check(a.items() == b.items(), "%s: part %s headers" % (what, path))
            if a.is_multipart():
                check(a.as_bytes() == b.as_bytes(), "%s: part %s bytes" % (what, path))
            else:
                check(a.get_payload(decode=True) == b.get_payload(decode=True), "%s: part %s payload" % (what, path))


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    tool, root = sys.argv[1], sys.argv[2]
    cases = int(sys.argv[3]) if len(sys.argv) == 4 else DEFAULT_CASES
    corpus = sorted(os.path.join(root, d, f) for d in ("mime", "personalize")
                    for f in os.listdir(os.path.join(root, d)) if f.endswith(".eml"))
    check(len(corpus) >= 15, "fixture corpus present (%d)" % len(corpus))
    start = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        values_path = os.path.join(tmp, "values")
        for seed in range(cases):
            run_case(tool, corpus[seed % len(corpus)], seed, values_path)
    print("%d cases over %d fixtures in %.1f s: %d rendered parts, largest copy %d bytes "
          "(skipped, not personalizable as they are: %s), %d failures"
          % (cases, len(corpus), time.monotonic() - start, stats["parts"], stats["largest"],
             ", ".join(sorted(skipped)) or "none", len(failures)))
    check(stats["parts"] >= cases, "text parts were personalized")
    check(len(skipped) <= 2, "at most 2 fixtures skipped")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
