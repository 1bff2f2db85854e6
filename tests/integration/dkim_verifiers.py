#!/usr/bin/env python3
"""Offline DKIM verifiers for the integration tests: dkimpy, Mail::DKIM and
OpenDKIM, each fed the public keys from memory (no DNS, no network).

    from dkim_verifiers import KeyRecord, rsa_keypair, ed25519_keypair, verify_all

    key_pem, txt = rsa_keypair(tmp)
    results = verify_all(message, [KeyRecord("example.com", "sel", txt)], tmp)
    # {"dkimpy": [SigResult, ...], "mail_dkim": [...], "opendkim": [...]}

One SigResult per DKIM-Signature field, in message order (dkimpy, Mail::DKIM
and OpenDKIM alike; OpenDKIM verifies at most MAX_OPENDKIM_SIGNATURES of them).

Which verifier knows what (Debian 12 packages):
  - dkimpy 1.1.4 (python3-dkim, with python3-nacl): rsa-sha256, ed25519-sha256.
  - Mail::DKIM 1.20230212 (libmail-dkim-perl): RSA only; an ed25519-sha256
    signature comes back "invalid (unsupported algorithm ...)", reported here
    as ok=False, unsupported=True.
  - OpenDKIM 2.11.0~beta2 (opendkim): rsa-sha256 and ed25519-sha256 (see
    `opendkim -V`). Test mode (`-t`) always exits 0, pass or fail; the result
    is read from the Authentication-Results field that -vv prints
    ("### INSHEADER: ... hname='Authentication-Results' hvalue='...'"),
    one "dkim=<result> [reason=...] header.d= header.i= header.a= header.s=
    header.b=<first 8 of b=>" per verified signature. Without that field the
    summary line "<file>: verification (s=, d=, ...) succeeded|failed: <why>"
    (first signature only) is used. Test mode reads the file line by line and
    feeds each line with CRLF (a bare LF counts as CRLF), passes the body as a
    C string (a NUL byte ends it), and reports "message not signed" for a file
    whose last line has no line end; verify_opendkim adds that final CRLF.

Verifier quirks worth knowing when a test fails:
  - A From field added above the signed one: the DKIM rule (RFC 6376 5.4.2)
    picks fields bottom-up, so a signature with h=from once still verifies in
    Mail::DKIM and OpenDKIM; dkimpy hashes one extra "from" whenever h= has
    from (its fix for Debian bug 644046), so it fails. Only a signer that
    oversigns From (h=from:from:...) makes all three fail.
  - A body without a final CRLF is hashed as if it had one (RFC 6376 3.4.3,
    3.4.4). dkimpy does so; OpenDKIM's test mode skips such a file and
    Mail::DKIM 1.20230212 hashes it without the CRLF under c=*/simple, so
    both are given the message with CRLF added (dkim_verify.pl adds it).

CLI: python3 dkim_verifiers.py --key-record 'sel._domainkey.example.com=v=DKIM1; k=rsa; p=...' message.eml
prints one line per verifier; exit 0 only if every applicable verifier passes
(a verifier passes when it reports at least one signature it supports and all
of those pass; one that supports none of the message's signatures is "n/a").

Runs with Debian's python3; under another interpreter (pyenv) the Debian
dist-packages directory is added to the end of sys.path to find dkimpy.
"""
import base64
import dataclasses
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import dkim
except ImportError:  # not Debian's python3: look in Debian's dist-packages (pure-Python dkimpy, abi3 nacl)
    _DEBIAN_DIST = "/usr/lib/python3/dist-packages"
    if os.path.isdir(os.path.join(_DEBIAN_DIST, "dkim")) and _DEBIAN_DIST not in sys.path:
        sys.path.append(_DEBIAN_DIST)
    try:
        import dkim
    except ImportError:
        dkim = None

HERE = os.path.dirname(os.path.abspath(__file__))
DKIM_VERIFY_PL = os.path.join(HERE, "dkim_verify.pl")
OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"
PERL = shutil.which("perl") or "/usr/bin/perl"
OPENDKIM = shutil.which("opendkim") or "/usr/sbin/opendkim"
MAX_OPENDKIM_SIGNATURES = 20
TIMEOUT = 60  # seconds for one verifier process; all of them are local and quick

VERIFIERS = ("dkimpy", "mail_dkim", "opendkim")


class KeyRecord:
    """A DNS TXT record for <selector>._domainkey.<domain>."""

    def __init__(self, domain: str, selector: str, txt: str):
        self.domain = domain.rstrip(".").lower()
        self.selector = selector
        self.txt = txt

    @property
    def name(self) -> str:
        return f"{self.selector}._domainkey.{self.domain}"

    @classmethod
    def parse(cls, spec: str) -> "KeyRecord":
        """'sel._domainkey.example.com=v=DKIM1; k=rsa; p=...' (split at the first '=')."""
        name, sep, txt = spec.partition("=")
        selector, marker, domain = name.strip().partition("._domainkey.")
        if not sep or not marker or not selector or not domain:
            raise ValueError(f"expected <selector>._domainkey.<domain>=<TXT>, got {spec[:80]!r}")
        return cls(domain, selector, txt.strip())

    def __repr__(self):
        return f"KeyRecord({self.domain!r}, {self.selector!r}, {self.txt[:40]!r}...)"


@dataclasses.dataclass
class SigResult:
    verifier: str          # "dkimpy", "mail_dkim" or "opendkim"
    domain: str            # d=
    selector: str          # s=
    algorithm: str         # a=, e.g. "rsa-sha256", "ed25519-sha256"
    ok: bool               # the signature verified
    detail: str            # why not (the verifier's words, "<result>: <reason>"), or "pass"
    headers: list          # h= names, lower-case, in signed order (repeats kept)
    unsupported: bool = False  # the verifier does not implement this algorithm (ok is False)

    def __str__(self):
        state = "pass" if self.ok else ("unsupported" if self.unsupported else "FAIL")
        text = f"{state} {self.algorithm} d={self.domain} s={self.selector}"
        return text if self.ok else f"{text} ({self.detail})"


# --- keys ------------------------------------------------------------------

def _run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, timeout=TIMEOUT, **kw)


def _new_path(tmpdir, prefix):
    fd, path = tempfile.mkstemp(dir=tmpdir, prefix=prefix, suffix=".pem")  # mode 0600
    os.close(fd)
    return path


def rsa_keypair(tmpdir, bits=2048):
    """A new RSA key: (path of the private key, PKCS#8 PEM; TXT record "v=DKIM1; k=rsa; p=<SPKI DER base64>")."""
    path = _new_path(tmpdir, f"rsa{bits}-")
    _run([OPENSSL, "genpkey", "-algorithm", "RSA", "-pkeyopt", f"rsa_keygen_bits:{bits}", "-out", path])
    der = _run([OPENSSL, "pkey", "-in", path, "-pubout", "-outform", "DER"]).stdout
    return path, "v=DKIM1; k=rsa; p=" + base64.b64encode(der).decode()


# DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 PrivateKeyInfo (RFC 8410)
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")
_ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")


def ed25519_keypair(tmpdir):
    """A new Ed25519 key: (path of the private key, PKCS#8 PEM; TXT record
    "v=DKIM1; k=ed25519; p=<raw 32-byte public key, base64>" as RFC 8463 has it)."""
    path = _new_path(tmpdir, "ed25519-")
    _run([OPENSSL, "genpkey", "-algorithm", "ED25519", "-out", path])
    der = _run([OPENSSL, "pkey", "-in", path, "-pubout", "-outform", "DER"]).stdout
    if len(der) != 44 or not der.startswith(_ED25519_SPKI_PREFIX):
        raise RuntimeError(f"unexpected Ed25519 public key DER from openssl: {der.hex()}")
    return path, "v=DKIM1; k=ed25519; p=" + base64.b64encode(der[-32:]).decode()


def ed25519_seed_b64(private_pem_path) -> bytes:
    """The base64 of the 32-byte Ed25519 private key (seed), the form dkimpy signs with."""
    der = _run([OPENSSL, "pkey", "-in", private_pem_path, "-outform", "DER"]).stdout
    if len(der) != 48 or not der.startswith(_ED25519_PKCS8_PREFIX):
        raise RuntimeError("not an Ed25519 PKCS#8 private key: " + private_pem_path)
    return base64.b64encode(der[-32:])


def sign_dkimpy(message: bytes, domain: str, selector: str, private_pem_path, headers,
                algorithm="rsa-sha256", canonicalize=("relaxed", "relaxed")) -> bytes:
    """The message with a DKIM-Signature field from dkimpy prepended (a reference signer)."""
    _need_dkimpy()
    if algorithm.startswith("ed25519"):
        key = ed25519_seed_b64(private_pem_path)
    else:
        with open(private_pem_path, "rb") as f:
            key = f.read()
    field = dkim.sign(message, selector.encode(), domain.encode(), key,
                      signature_algorithm=algorithm.encode(),
                      canonicalize=tuple(c.encode() for c in canonicalize),
                      include_headers=[h.encode() if isinstance(h, str) else h for h in headers])
    return field + message


# --- the message's own signature fields --------------------------------------

def _header_fields(message: bytes):
    """(name, unfolded value) of each header field, in order; CRLF or LF line ends."""
    head = re.split(rb"\r?\n\r?\n", message, maxsplit=1)[0]
    fields = []
    for line in re.split(rb"\r?\n", head):
        if line[:1] in (b" ", b"\t") and fields:
            fields[-1][1] += b" " + line.strip()
        elif b":" in line:
            name, _, value = line.partition(b":")
            fields.append([name.strip(), value.strip()])
    return [(n.decode("latin-1"), v.decode("latin-1")) for n, v in fields]


def signature_fields(message: bytes):
    """The tags of each DKIM-Signature field, in message order: dicts with
    d, s, a, h (list of lower-case names), b (whitespace removed) and the rest."""
    sigs = []
    for name, value in _header_fields(message):
        if name.lower() != "dkim-signature":
            continue
        tags = {}
        for part in value.split(";"):
            tag, eq, val = part.partition("=")
            if eq:
                tags[tag.strip()] = val.strip()
        tags["h"] = [h.strip().lower() for h in tags.get("h", "").split(":") if h.strip()]
        tags["b"] = re.sub(r"\s+", "", tags.get("b", ""))
        tags["a"] = re.sub(r"\s+", "", tags.get("a", "")).lower()
        tags["d"] = tags.get("d", "").lower()
        tags.setdefault("s", "")
        sigs.append(tags)
    return sigs


# --- dkimpy ------------------------------------------------------------------

def _need_dkimpy():
    if dkim is None:
        raise RuntimeError("dkimpy is not importable: install python3-dkim and python3-nacl (Debian)")


def _records_by_name(records):
    return {r.name.lower(): r.txt for r in records}


class _ListHandler(logging.Handler):
    def __init__(self):
        super().__init__(logging.INFO)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def verify_dkimpy(message: bytes, records) -> list:
    _need_dkimpy()
    table = _records_by_name(records)

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        return table.get(name.rstrip(".").lower(), "").encode() or None

    results = []
    for idx, sig in enumerate(signature_fields(message)):
        handler = _ListHandler()
        logger = logging.Logger("dkim_verifiers.dkimpy")  # not registered: nothing reaches the root logger
        logger.addHandler(handler)
        logger.propagate = False
        try:
            ok = bool(dkim.DKIM(message, logger=logger).verify(idx=idx, dnsfunc=dnsfunc))
            why = "; ".join(handler.messages) or "signature verification failed"
        except dkim.DKIMException as e:
            ok, why = False, f"{type(e).__name__}: {e}"
        except Exception as e:  # a malformed field must be a failure, not a crashed test
            ok, why = False, f"error: {type(e).__name__}: {e}"
        results.append(SigResult("dkimpy", sig["d"], sig["s"], sig["a"], ok,
                                 "pass" if ok else f"fail: {why}", list(sig["h"])))
    return results


# --- Mail::DKIM --------------------------------------------------------------

_MAIL_DKIM_LINE = re.compile(r"^(\S+) d=(\S*) s=(\S*) a=(\S*) h=(\S*)(?: \((.*)\))?$")


def verify_mail_dkim(message: bytes, records) -> list:
    cmd = [PERL, DKIM_VERIFY_PL]
    for r in records:
        cmd += ["--key", f"{r.name}={r.txt}"]
    proc = subprocess.run(cmd, input=message, capture_output=True, timeout=TIMEOUT)
    out = proc.stdout.decode("utf-8", "replace")
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"dkim_verify.pl exited {proc.returncode}: {proc.stderr.decode(errors='replace')}{out}")
    results = []
    for line in out.splitlines():
        if line == "none":
            continue
        m = _MAIL_DKIM_LINE.match(line)
        if not m:
            raise RuntimeError(f"dkim_verify.pl: unexpected line {line!r}")
        result, d, s, a, h, why = m.groups()
        ok = result == "pass"
        unsupported = (not ok and why is not None and "unsupported" in why
                       and not a.startswith("rsa-"))
        detail = "pass" if ok else f"{result}: {why or 'no detail'}"
        results.append(SigResult("mail_dkim", d.lower(), s, a.lower(), ok, detail,
                                 [x for x in h.split(":") if x], unsupported))
    return results


# --- OpenDKIM ----------------------------------------------------------------

_AR_FIELD = re.compile(r"hname='Authentication-Results' hvalue='(.*?)'\s*$", re.S | re.M)
_SUMMARY = re.compile(r"verification \(s=(?P<s>[^,\s]*),? d=(?P<d>[^,\s]*),[^)]*\) "
                      r"(?:(?P<ok>succeeded)|failed: (?P<why>.*))$", re.M)


def _split_resinfo(value):
    """Splits an Authentication-Results value at the ';' outside quotes and comments."""
    parts, cur, quote, depth = [], [], False, 0
    for ch in value:
        if ch == '"' and depth == 0:
            quote = not quote
        elif ch == "(" and not quote:
            depth += 1
        elif ch == ")" and not quote and depth:
            depth -= 1
        if ch == ";" and not quote and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur).strip())
    return [p for p in parts if p]


def _parse_opendkim_ar(value):
    """[(result, reason, {"d":..., "s":..., "a":..., "b":..., "i":...})] per dkim= entry."""
    entries = []
    for part in _split_resinfo(value)[1:]:  # [0] is the authserv-id
        m = re.match(r"dkim=(\w+)", part)
        if not m:
            continue  # dkim-atps=, other methods
        reason = re.search(r'reason="([^"]*)"', part)
        props = dict(re.findall(r"header\.(\w+)=([^\s;]+)", part))
        entries.append((m.group(1), reason.group(1) if reason else "", props))
    return entries


def opendkim_config(tmpdir, records):
    """Writes the key file and config for `opendkim -t`; returns the config's path.
    Runs as any user (no UserID, no socket, no PID file); Syslog off (test mode
    may still try /dev/log); keys only from the file, never from DNS."""
    keys = os.path.join(tmpdir, "opendkim-keys")
    with open(keys, "w") as f:
        for r in records:
            f.write(f"{r.name} {r.txt}\n")
    conf = os.path.join(tmpdir, "opendkim.conf")
    with open(conf, "w") as f:
        f.write(f"Mode v\n"
                f"TestPublicKeys {keys}\n"
                f"Syslog no\n"
                f"AlwaysAddARHeader yes\n"
                f"AuthservID dkim-verifiers\n"
                f"MaximumSignaturesToVerify {MAX_OPENDKIM_SIGNATURES}\n"
                f"SoftwareHeader no\n")
    return conf


def verify_opendkim(message: bytes, records, tmpdir) -> list:
    work = tempfile.mkdtemp(dir=tmpdir, prefix="opendkim-")
    try:
        conf = opendkim_config(work, records)
        path = os.path.join(work, "message.eml")
        with open(path, "wb") as f:
            # opendkim -t skips a file whose last line has no line end ("message
            # not signed"); DKIM adds that CRLF when hashing (RFC 6376 3.4.3,
            # 3.4.4) and SMTP adds it before the final ".", so add it here.
            f.write(message if message.endswith(b"\n") else message + b"\r\n")
        proc = subprocess.run([OPENDKIM, "-x", conf, "-vv", "-t", path],
                              capture_output=True, timeout=TIMEOUT, cwd=work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    out = proc.stdout.decode("utf-8", "replace")
    err = proc.stderr.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise RuntimeError(f"opendkim -t exited {proc.returncode}: {err}{out}")
    sigs = signature_fields(message)

    def matching_sig(d, s, b, index):
        for sig in sigs:
            if sig["d"] == d and sig["s"] == s and b and sig["b"].startswith(b):
                return sig
        same = [sig for sig in sigs if sig["d"] == d and sig["s"] == s]
        if len(same) == 1:
            return same[0]
        return sigs[index] if index < len(sigs) else {"h": [], "a": ""}

    ar = _AR_FIELD.search(out)
    summary = _SUMMARY.search(out)
    if ar:
        results = []
        for index, (result, reason, props) in enumerate(_parse_opendkim_ar(ar.group(1))):
            if result == "none":
                continue  # message not signed
            d, s = props.get("d", "").lower(), props.get("s", "")
            sig = matching_sig(d, s, props.get("b", ""), index)
            ok = result == "pass"
            if not ok and not reason and summary and summary.group("why") \
                    and (summary.group("d").lower(), summary.group("s")) == (d, s):
                reason = summary.group("why")  # e.g. a permerror has no reason= but the summary says why
            detail = "pass" if ok else f"{result}: {reason or 'no reason given'}"
            results.append(SigResult("opendkim", d, s, props.get("a", sig["a"]).lower(), ok, detail,
                                     list(sig["h"])))
        return results
    if "message not signed" in out:
        return []
    m = summary
    if m:  # only the first verified signature is summarized
        d, s = m.group("d").lower(), m.group("s")
        sig = matching_sig(d, s, "", 0)
        ok = bool(m.group("ok"))
        return [SigResult("opendkim", d, s, sig["a"], ok, "pass" if ok else f"fail: {m.group('why')}",
                          list(sig["h"]))]
    raise RuntimeError(f"opendkim -t: no result found in its output:\n{out}\n{err}")


# --- all of them -------------------------------------------------------------

def verify_all(message: bytes, records, tmpdir, opendkim=True) -> dict:
    """{"dkimpy": [...], "mail_dkim": [...], "opendkim": [...]} (no "opendkim" if opendkim=False)."""
    results = {"dkimpy": verify_dkimpy(message, records),
               "mail_dkim": verify_mail_dkim(message, records)}
    if opendkim:
        results["opendkim"] = verify_opendkim(message, records, tmpdir)
    return results


def verdict(results) -> str:
    """"pass", "fail" or "n/a" for one verifier's results: pass when it reports at
    least one signature it supports and all such signatures verify."""
    applicable = [r for r in results if not r.unsupported]
    if not applicable:
        return "n/a"
    return "pass" if all(r.ok for r in applicable) else "fail"


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description="Verify the DKIM signatures of a message with dkimpy, "
                                     "Mail::DKIM and OpenDKIM, keys from the command line (no DNS).")
    parser.add_argument("--key-record", action="append", default=[], metavar="NAME=TXT",
                        help="'sel._domainkey.example.com=v=DKIM1; k=rsa; p=...' (repeatable)")
    parser.add_argument("--no-opendkim", action="store_true", help="skip OpenDKIM")
    parser.add_argument("message", help="the message file ('-' for standard input)")
    args = parser.parse_args(argv)
    try:
        records = [KeyRecord.parse(spec) for spec in args.key_record]
    except ValueError as e:
        parser.error(str(e))
    if args.message == "-":
        message = sys.stdin.buffer.read()
    else:
        with open(args.message, "rb") as f:
            message = f.read()
    with tempfile.TemporaryDirectory(prefix="dkim-verifiers-") as tmp:
        results = verify_all(message, records, tmp, opendkim=not args.no_opendkim)
    verdicts = {}
    for name, sigs in results.items():
        verdicts[name] = verdict(sigs)
        shown = "; ".join(str(r) for r in sigs) or "no signature"
        print(f"{name}: {verdicts[name].upper()} [{shown}]")
    applicable = [v for v in verdicts.values() if v != "n/a"]
    return 0 if applicable and all(v == "pass" for v in applicable) else 1


if __name__ == "__main__":
    sys.exit(main())
