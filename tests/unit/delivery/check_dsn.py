#!/usr/bin/env python3
"""DSNs for copies refused after 250 (issue 11, acceptance 3), judged by an
independent parser: Python's email package with policy=default.

For every case dsn_tool knows (and the basic case with each fixture message of
FIXTURES as the original), the DSN
  1. parses with no defect anywhere (the message, its parts, each
     delivery-status block) and has only CRLF line ends of at most 998 octets
     and only ASCII bytes (the To field excepted for a non-ASCII sender);
  2. is multipart/report; report-type=delivery-status with exactly three
     parts: text/plain, message/delivery-status, text/rfc822-headers;
  3. has the expected top fields (From MAILER-DAEMON, To the envelope sender,
     Auto-Submitted: auto-replied, Subject, Date, Message-ID), none with a
     header defect (a non-ASCII To excepted: Python reads header bytes as
     ASCII, so that To is compared as bytes);
  4. holds in part 2 one per-message block (Reporting-MTA, Arrival-Date) and one
     block per refused recipient with its Final-Recipient, Action failed, Status
     and Diagnostic-Code;
  5. returns in part 3 the original header fields (never the body), and
     nothing a network value tried to inject (no X-Injected or Bcc field in
     any header block, no extra part).
Usage: check_dsn.py TOOL FIXTURES"""

import email.parser
import email.policy
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "support"))
from email_checks import check, failures, parse, run_tool  # noqa: E402

HOST = "relay.example.net"
DIAG = "smtp; 550 5.1.1 <taro@example.jp>: Recipient address rejected: User unknown"
BASIC = [{"Final-Recipient": "rfc822; taro@example.jp", "Original-Recipient": "rfc822; Taro@Example.JP",
          "Status": "5.1.1", "Diagnostic-Code": DIAG, "Remote-MTA": "dns; mx.example.jp"}]
# case -> (envelope sender as To shows it, None: "undisclosed-recipients:;" (not an
# address); expected recipient blocks, field None: absent)
CASES = {
    "basic": ("bounces@shop.example.jp", BASIC),
    "no_enhanced": ("bounces@shop.example.jp",
                    [{"Final-Recipient": "rfc822; taro@example.jp", "Original-Recipient": None,
                      "Status": "5.0.0", "Diagnostic-Code": "smtp; 550 User unknown", "Remote-MTA": None}]),
    "multi": ("bounces@shop.example.jp", BASIC + [
        {"Final-Recipient": "rfc822; hanako@example.jp", "Original-Recipient": None, "Status": "5.7.1",
         "Diagnostic-Code": "smtp; 554 5.7.1 Relay access denied", "Remote-MTA": "dns; mx2.example.jp"},
        {"Final-Recipient": "rfc822; jiro@example.jp", "Original-Recipient": "rfc822; jiro@example.jp",
         "Status": "5.0.0", "Diagnostic-Code": "smtp; 552 Mailbox full", "Remote-MTA": None}]),
    "injection": ('"bounces@shop.example.jp Bcc: victim"@example.com',
                  [{"Status": "5.0.0", "Remote-MTA": "dns; mx.example.jpX-Injected:remote"}]),
    "utf8": ("送信@例え.jp",
             [{"Final-Recipient": "utf-8; \\x{5C71}\\x{7530}\\x{2B}tag\\x{3D}1@\\x{4F8B}\\x{3048}.jp",
               "Status": "5.1.1"}]),
    "huge": ("bounces@shop.example.jp", [{"Status": "5.1.1", "Remote-MTA": "dns; " + "m" * 512}]),
}
RETURNED_HEADERS_LIMIT = 64 * 1024


def header_blocks(msg):
    """Every header block: the message, its parts, the delivery-status blocks."""
    for part in msg.walk():
        yield part
        if part.get_content_type() == "text/rfc822-headers":
            yield email.parser.BytesHeaderParser(policy=email.policy.default).parsebytes(
                part.get_payload(decode=True))


def check_dsn(name, data, sender, recipients, original=None):
    lines = data.split(b"\r\n")
    check(lines[-1] == b"" and all(b"\n" not in l and b"\r" not in l for l in lines), name + ": CRLF only")
    check(all(len(l) <= 998 for l in lines), name + ": lines <= 998 octets")
    non_ascii = [l for l in lines if any(b >= 0x80 for b in l)]
    utf8_to = sender is not None and any(ord(c) >= 0x80 for c in sender)
    check(non_ascii == ([("To: <%s>" % sender).encode()] if utf8_to else []),
          name + ": 7-bit (but a non-ASCII To)")

    msg = parse(data)
    found = [(i, type(d).__name__) for i, p in enumerate(msg.walk()) for d in p.defects]
    check(not found, "%s: no defects (%s)" % (name, found))
    check(msg.get_content_type() == "multipart/report", name + ": multipart/report")
    check(msg.get_param("report-type") == "delivery-status", name + ": report-type=delivery-status")
    frm = msg["From"].addresses
    check(len(frm) == 1 and frm[0].display_name == "Mail Delivery System"
          and frm[0].addr_spec == "MAILER-DAEMON@" + HOST, name + ": From")
    if sender is None:
        check(msg["To"] == "undisclosed-recipients:;", "%s: To %r" % (name, msg["To"]))
    elif any(ord(c) >= 0x80 for c in sender):
        # RFC 6532 UTF-8 field: Python reads header bytes as ASCII, so compare the bytes.
        check(("\r\nTo: <%s>\r\n" % sender).encode() in data, name + ": UTF-8 To")
    else:
        to = msg["To"].addresses
        check(len(to) == 1 and to[0].addr_spec == sender, "%s: To %r" % (name, msg["To"]))
    for i, part in enumerate(msg.walk()):
        for k, v in part.items():
            if getattr(v, "defects", None) and not (k == "To" and sender and any(ord(c) >= 0x80 for c in sender)):
                check(False, "%s: part %d field %s defects %s" % (name, i, k, v.defects))
    check(msg["Subject"] == "Undelivered Mail Returned to Sender", name + ": Subject")
    check(msg["Auto-Submitted"] == "auto-replied", name + ": Auto-Submitted")
    check(msg["Date"] is not None and msg["Date"].datetime is not None, name + ": Date")
    check(msg["Message-ID"] is not None and msg["Message-ID"].endswith("@%s>" % HOST), name + ": Message-ID")
    check(msg["MIME-Version"] == "1.0", name + ": MIME-Version")

    parts = msg.get_payload()
    check([p.get_content_type() for p in parts] ==
          ["text/plain", "message/delivery-status", "text/rfc822-headers"], name + ": three parts")
    if len(parts) != 3:
        return
    text = parts[0].get_content()
    check("could not be delivered" in text, name + ": human-readable part")

    blocks = parts[1].get_payload()
    check(len(blocks) == 1 + len(recipients), "%s: %d delivery-status blocks" % (name, 1 + len(recipients)))
    check(blocks[0]["Reporting-MTA"] == "dns; " + HOST, name + ": Reporting-MTA")
    check(blocks[0]["Arrival-Date"] == "Tue, 01 Jul 2025 09:00:00 +0000", name + ": Arrival-Date")
    for block, want in zip(blocks[1:], recipients):
        check(block["Action"] == "failed", name + ": Action failed")
        check(block["Last-Attempt-Date"] is not None, name + ": Last-Attempt-Date")
        for field, value in want.items():
            check(block[field] == value, "%s: %s %r, expected %r" % (name, field, block[field], value))
        diag = block["Diagnostic-Code"]
        check(diag is not None and diag.startswith("smtp; 5"), name + ": Diagnostic-Code smtp; 5xx")
        if name == "huge":
            check(len(diag) < 1200, name + ": reply text bounded")

    returned = parts[2].get_payload(decode=True)
    check(len(returned) <= RETURNED_HEADERS_LIMIT + 1024, name + ": returned headers bounded")
    check(returned.endswith(b"\r\n") or not returned, name + ": returned headers end with a line end")
    if original is not None:
        orig = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(original)
        back = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(returned)
        if len(original.split(b"\n\n")[0].split(b"\r\n\r\n")[0]) <= RETURNED_HEADERS_LIMIT:
            check(orig.keys() == back.keys(), "%s: returned header fields %s, expected %s"
                  % (name, back.keys(), orig.keys()))
        check(orig.get_payload() == "" or orig.get_payload() not in returned.decode("utf-8", "replace")
              or len(orig.get_payload().strip()) < 8, name + ": body not returned")

    for block in header_blocks(msg):
        check(not any(k.lower() in ("x-injected", "bcc") for k in block.keys()), name + ": nothing injected")
    if name == "injection":
        check(b"\r\n--=_kizuna-dsn_0123456789ABCDEF01234567.dsn\r\n" not in data, name + ": boundary moved")
        check(parts[2].get_payload(decode=True).startswith(b"Subject: hi\r\n"), name + ": returned headers")
        check(b"body" not in returned and b"text/html" not in returned, name + ": original body not returned")
    if name == "utf8":
        check("ユーザー不明" in text, name + ": UTF-8 reply text in the human-readable part")
    if name == "huge":
        check(len(data) < 100 * 1024, name + ": bounded size (%d)" % len(data))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: check_dsn.py TOOL FIXTURES")
    tool, fixtures = sys.argv[1], sys.argv[2]
    for name, (sender, recipients) in CASES.items():
        check_dsn(name, run_tool(tool, name), sender, recipients)
    emls = sorted(f for f in os.listdir(fixtures) if f.endswith(".eml"))
    check(len(emls) >= 5, "fixtures present")
    for f in emls:
        path = os.path.join(fixtures, f)
        with open(path, "rb") as fh:
            original = fh.read()
        check_dsn(f, run_tool(tool, "headers", path), "bounces@shop.example.jp", BASIC, original)
    print("%d cases, %d fixtures, %d failures" % (len(CASES), len(emls), len(failures)))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
