"""Integration-test harness: real processes on loopback, no mocks.

Starts a private redis-server on a unix socket, Postfix's smtp-sink (or the
scriptable Python peer in peers.py) as downstream, and `kizuna serve` with a
generated config whose listeners bind port 0; the real ports are read from
kizuna's "listening ... on host:port" log lines. Everything is started in a
temp dir and stopped by PID when the test ends. Waits are bounded polls on a
condition, never fixed sleeps.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

SOURCE_DIR = os.environ.get("KIZUNA_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "../..")))
KIZUNA = os.environ.get("KIZUNA_BINARY", os.path.join(SOURCE_DIR, "build/relay/kizuna"))
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
SMTP_SOURCE = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def wait_for(predicate, timeout=10.0, what="condition"):
    """Polls predicate until true; fails the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def settled_audit_lines(path, timeout=10.0):
    """The audit log's lines once every relayed copy's outcome is in it: outcomes
    are appended after the reply (the relay record before it), so a test that
    reads the log right after a reply polls for them, bounded."""
    import json

    def read():
        with open(path, encoding="utf-8") as f:
            lines = [line.rstrip("\n") for line in f if line.strip()]
        records = [json.loads(line) for line in lines]
        intents = {r["copy_id"] for r in records if r["decision"] == "relay" and r.get("copy_id")}
        outcomes = {r["copy_id"] for r in records if r["decision"] == "outcome"}
        return (lines,) if intents <= outcomes else None  # a tuple: an empty log is an answer too
    return wait_for(read, timeout, "the outcome records of the relayed copies")[0]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Redis:
    """A private redis-server on a unix socket. durable: AOF with appendfsync
    always in its own directory, so a SIGKILL loses nothing acknowledged."""

    def __init__(self, tmp, name="redis", durable=False):
        self.sock = os.path.join(tmp, f"{name}.sock")
        self.dir = os.path.join(tmp, name) if durable else tmp
        self.durable = durable
        os.makedirs(self.dir, exist_ok=True)
        self.proc = None
        self.start()

    def start(self):
        if os.path.exists(self.sock):
            os.unlink(self.sock)
        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.durable else ["--appendonly", "no"]
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", "0", "--unixsocket", self.sock, "--unixsocketperm", "700",
             "--save", "", *persistence, "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self.ping(), 10, "redis-server to answer PING")

    def kill(self):
        self.proc.kill()
        self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGCONT)  # a test may have stalled it
            self.proc.terminate()
            self.proc.wait(10)
        if os.path.exists(self.sock):
            os.unlink(self.sock)

    def command(self, *args):
        """One command over RESP; returns the raw reply bytes (tests only need simple replies)."""
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode() if isinstance(a, str) else a
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(5)
            s.connect(self.sock)
            s.sendall(out)
            return s.recv(65536)

    def ping(self):
        try:
            return self.command("PING").startswith(b"+PONG")
        except OSError:
            return False


class SmtpSink:
    """Postfix's smtp-sink, dumping every transaction to its own file."""

    def __init__(self, tmp, lmtp=False, extra=(), port=None):
        """port: a fixed port (a restarted sink takes its predecessor's); else a free one."""
        self.dump = os.path.join(tmp, "sink")
        os.makedirs(self.dump, exist_ok=True)
        self.port = port or free_port()
        args = [SMTP_SINK, "-u", "root" if os.geteuid() == 0 else os.environ.get("USER", "nobody"),
                "-d", self.dump + "/%H%M%S.", "-m", "512", *extra]
        if lmtp:
            args.append("-L")
        args += [f"127.0.0.1:{self.port}", "1024"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(lambda: self._connectable(), 10, "smtp-sink to listen")

    def _connectable(self):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                s.recv(100)
                s.sendall(b"QUIT\r\n")
            return True
        except OSError:
            return False

    def messages(self):
        """(rcpt-args, text) of every dumped transaction."""
        out = []
        for name in sorted(os.listdir(self.dump)):
            with open(os.path.join(self.dump, name), "rb") as f:
                data = f.read()
            m = re.search(rb"^X-Rcpt-Args: (.*)$", data, re.M)
            out.append(((m.group(1).decode() if m else ""), data))
        return out

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


class Kizuna:
    """`kizuna serve` with a generated config; `listen` entries may use port 0."""

    def __init__(self, tmp, downstream, redis_sock, protocols=("smtp", "lmtp"), extra_yaml="", listen_extra=""):
        """protocols: "smtp"/"lmtp", or (name, protocol, listener yaml) for a named listener."""
        self.tmp = tmp
        self.config = os.path.join(tmp, "kizuna.yaml")
        entries = [(p, p, "") if isinstance(p, str) else p for p in protocols]
        protocols = [name for name, _, _ in entries]
        listen = "".join(f"  - address: 127.0.0.1:0\n    protocol: {proto}\n{listen_extra}{extra}"
                         for _, proto, extra in entries)
        self.yaml = (f"threads: 2\nlisten:\n{listen}downstream:\n{downstream}\n"
                     f"redis:\n  address: unix:{redis_sock}\n  timeout_ms: 500\n"
                     f"state_dir: {tmp}/state\n{extra_yaml}")
        with open(self.config, "w") as f:
            f.write(self.yaml)
        self.log_path = os.path.join(tmp, "kizuna.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([KIZUNA, "serve", "--config", self.config], stdout=self.log, stderr=self.log)
        ports = wait_for(lambda: self._ports(len(protocols)), 15, "kizuna to listen")
        self.ports = dict(zip(protocols, ports))
        wait_for(lambda: "kizuna ready" in self.read_log(), 10, "kizuna ready")

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode(errors="replace")

    def _ports(self, n):
        if self.proc.poll() is not None:
            raise AssertionError("kizuna exited early:\n" + self.read_log())
        found = re.findall(r"listening (?:smtp|lmtp) on 127\.0\.0\.1:(\d+)", self.read_log())
        return [int(p) for p in found] if len(found) >= n else None

    def admin_port(self):
        """The admin HTTP server's port, from its "admin http on 127.0.0.1:PORT" log line."""
        m = wait_for(lambda: re.search(r"admin http on 127\.0\.0\.1:(\d+)", self.read_log()), 10, "admin http")
        return int(m.group(1))

    def signal(self, sig):
        self.proc.send_signal(sig)

    def cli(self, *args, timeout=60):
        """Runs `kizuna <args> --config <this config>`."""
        return subprocess.run([KIZUNA, *args, "--config", self.config], capture_output=True, text=True,
                              timeout=timeout)

    def audit_records(self, settled=True):
        """The records of the audit log; settled: once every relayed copy's outcome is in it."""
        import json
        path = os.path.join(self.tmp, "state", "audit.jsonl")
        if settled:
            return [json.loads(line) for line in settled_audit_lines(path)]
        with open(path, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    def stop(self, timeout=40):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


class RelayTestCase(unittest.TestCase):
    """A temp dir, a redis-server, cleanup of everything started."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kizuna-it-")
        self._stops = []
        # A cleanup, not tearDown: it also runs when a setUp (this one or a
        # subclass's) fails after starting processes, so none is left behind.
        self.addCleanup(self._stop_all)
        self.redis = Redis(self.tmp)
        self._stops.append(self.redis.stop)

    def _stop_all(self):
        for stop in reversed(self._stops):
            try:
                stop()
            except Exception:  # cleanup must go on; the test result already says what failed
                pass
        shutil.rmtree(self.tmp, ignore_errors=True)

    def start_sink(self, **kw):
        sink = SmtpSink(self.tmp, **kw)
        self._stops.append(sink.stop)
        return sink

    def start_kizuna(self, downstream, **kw):
        k = Kizuna(self.tmp, downstream, self.redis.sock, **kw)
        self._stops.append(k.stop)
        return k

    def unsubscribe_yaml(self, base_url="https://mail.example.com/kizuna", mailto_domain="example.com"):
        """An `unsubscribe:` config section signing with a fresh key kept under tmp (SPEC §10)."""
        keys = os.path.join(self.tmp, "unsubscribe.keys")
        if not os.path.exists(keys):
            with open(keys, "w") as f:
                f.write(os.urandom(32).hex() + "\n")
        return (f"unsubscribe:\n  base_url: {base_url}\n  mailto_domain: {mailto_domain}\n"
                f"  secret_file: {keys}\n")

    def smtp_source(self, port, *args, timeout=300):
        """Runs Postfix's smtp-source against port; returns its CompletedProcess."""
        return subprocess.run([SMTP_SOURCE, *args, f"127.0.0.1:{port}"], capture_output=True, timeout=timeout)


class Line:
    """A raw SMTP client over a socket, for exact protocol assertions."""

    def __init__(self, port, timeout=10):
        self.s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""

    def reply(self):
        """One full (possibly multi-line) reply as text, or '' at EOF."""
        lines = []
        while True:
            while b"\n" not in self.buf:
                chunk = self.s.recv(65536)
                if not chunk:
                    return "\n".join(lines)
                self.buf += chunk
            line, self.buf = self.buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode(errors="replace")
            lines.append(line)
            if len(line) < 4 or line[3] != "-":
                return "\n".join(lines)

    def send(self, data):
        self.s.sendall(data.encode() if isinstance(data, str) else data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.reply()

    def starttls(self, context, server_hostname="localhost"):
        """After a 220 to STARTTLS: the handshake; later lines go over TLS. Bytes
        already received in the clear would be a server bug, so there must be none."""
        assert self.buf == b"", f"received in the clear after STARTTLS: {self.buf!r}"
        self.s = context.wrap_socket(self.s, server_hostname=server_hostname)

    def close(self):
        self.s.close()
