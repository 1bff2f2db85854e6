#!/usr/bin/env python3
"""Judges the MIME layer with an independent parser (Python's email package,
stdlib only). For every fixture in tests/fixtures/mime:
  1. the part tree (pre-order content types) matches Python's walk();
  2. each text part mime_tool decodes matches Python's decoding;
  3. rendering without edits gives the input back byte for byte;
  4. copies with replaced text parts (a representable text and one that forces
     UTF-8), a new Japanese Subject and X-Kizuna-* stripped parse as valid MIME
     (no defects Python did not already see in the input), decode to the new
     text, and keep every other leaf's payload identical.
Usage: check_mime.py MIME_TOOL FIXTURE_DIR"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from email_checks import CODECS, JIS_NORMALIZE, check, defects, main, parse, run_tool  # noqa: E402

def py_text(part):
    payload = part.get_payload(decode=True) or b""
    charset = (part.get_content_charset() or "").lower()
    text = payload.decode(CODECS.get(charset, charset), errors="replace")
    return text.replace("\r\n", "\n").translate(JIS_NORMALIZE)


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def check_fixture(tool, path):
    name = os.path.basename(path)
    data = open(path, "rb").read()
    msg = parse(data)
    ours = [line.split() for line in run_tool(tool, "parts", path).decode().splitlines()]
    our_types = [p[2] for p in ours]
    py_types = [p.get_content_type() for p in msg.walk()]
    depth_cut = any(int(p[3]) & (1 << 6) for p in ours)  # defect::depth_exceeded
    if depth_cut:
        check(py_types[:len(our_types) - 1] == our_types[:-1], name + ": structure prefix")
    else:
        check(our_types == py_types, "%s: structure %s vs %s" % (name, our_types, py_types))

    py_parts = list(msg.walk())
    text_ids = [int(p[0]) for p in ours if p[4] == "1"]
    for pid in text_ids:
        theirs = py_text(py_parts[pid])  # decoding records base64 defects on the part
        if any("Base64" in type(d).__name__ for d in py_parts[pid].defects):
            continue  # Python gives up on damaged base64 (returns it undecoded); we decode what is there
        ours_text = run_tool(tool, "text", path, str(pid)).decode("utf-8").translate(JIS_NORMALIZE)
        check(ours_text == theirs, "%s: part %d decodes like Python" % (name, pid))

    check(run_tool(tool, "render", path) == data, name + ": round trip is byte-identical")

    subject = "【ご案内】山田様へ 春の特別セール開催のお知らせ ①🎉"
    for variant, extra in (("representable", "追伸：ご来店をお待ちしております。\n"), ("utf-8", "🎉 髙橋 ①\n")):
        with tempfile.TemporaryDirectory() as tmp:
            args, new_texts = [], {}
            for pid in text_ids:
                text = run_tool(tool, "text", path, str(pid)).decode("utf-8").replace("{{last_name}}", "山田") + extra
                f = os.path.join(tmp, "%d.txt" % pid)
                open(f, "wb").write(text.encode("utf-8"))
                args += ["--text", str(pid), f]
                new_texts[pid] = text
            out = run_tool(tool, "render", path, *args, "--subject", subject, "--strip", "X-Kizuna-")
        what = "%s (%s)" % (name, variant)
        check(b"\r" not in out or out.count(b"\r\n") == out.count(b"\n"), what + ": consistent line ends")
        res = parse(out)
        new_defects = [d for d in defects(res) if d not in defects(msg)]
        check(not new_defects, "%s: new defects %s" % (what, new_defects))
        check(str(res["subject"]) == subject, what + ": subject " + str(res["subject"]))
        check(all(not k.lower().startswith("x-kizuna-") for k in res.keys()), what + ": X-Kizuna-* stripped")
        res_parts = list(res.walk())
        check([p.get_content_type() for p in res_parts] == py_types, what + ": same structure")
        for pid, text in new_texts.items():
            check(py_text(res_parts[pid]) == text.translate(JIS_NORMALIZE), "%s: part %d has the new text" % (what, pid))
        for pid, (a, b) in enumerate(zip(py_parts, res_parts)):
            if pid in new_texts or a.is_multipart():
                continue
            check(a.get_payload(decode=True) == b.get_payload(decode=True), "%s: part %d payload unchanged" % (what, pid))
            check(a.items() == b.items() or pid == 0, "%s: part %d headers unchanged" % (what, pid))
        long_lines = set(l for l in data.split(b"\n") if len(l.rstrip(b"\r")) > 998)
        for line in out.split(b"\n"):
            check(len(line.rstrip(b"\r")) <= 998 or line in long_lines, what + ": new line of %d octets" % len(line))


if __name__ == "__main__":
    main(__doc__, check_fixture, 10)
