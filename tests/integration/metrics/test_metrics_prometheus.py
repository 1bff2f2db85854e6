"""Issue 13, acceptance 1: a real Prometheus scrapes kizuna's /metrics.

kizuna runs with a real redis-server, Postfix's smtp-sink downstream and a small
policy; mail goes through covering relay, drop, reject (opt-out), defer (a rule,
and Redis stopped: fail closed) and hold; a one-click unsubscribe is clicked twice
and its page shown; the config is reloaded once well and once badly. A Prometheus
(Debian package `prometheus`) scrapes admin_http every second, and every value is
read back through its HTTP query API and compared with what the test did and with
the audit log (the ground truth of decisions), polling with a deadline. A real
scrape passes `promtool check metrics`. Everything listens on 127.0.0.1; every
process is stopped by its PID. Skipped (77) without prometheus.
"""
import collections
import json
import os
import re
import shutil
import signal
import smtplib
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import KIZUNA, RelayTestCase, free_port, wait_for  # noqa: E402

PROMETHEUS = shutil.which("prometheus")
PROMTOOL = shutil.which("promtool")
P = "kizuna:"
BASE_URL = "https://u.example.com"
DEADLINE = 20.0  # seconds for a value to reach Prometheus (scrape interval 1 s)
RECIPIENT_DECISIONS = ("relay", "drop", "reject", "defer", "hold", "bounce")
LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

POLICY = """\
rules:
  - id: complaint-open
    match: { exclusion: complaint }
    action: drop
  - id: deal-negotiating
    match: { field: contact.deal_stage, equals: negotiating }
    action: hold
  - id: paused
    match: { field: contact.status, equals: paused }
    action: defer
  - id: never-matches
    match: { field: contact.status, equals: no-such-status }
    action: drop
"""


def message(subject="hello"):
    return (f"From: news@example.org\r\nTo: undisclosed-recipients:;\r\nX-Kizuna-Category: newsletter\r\n"
            f"Subject: {subject}\r\n\r\nHello {{{{last_name | default: \"customer\"}}}}\r\n")


def http(method, url, data=None, headers=None):
    """(status, headers, body bytes) of one request."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def parse_scrape(text):
    """{(name, frozenset(label pairs)): value} of a Prometheus text exposition."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        series, value = line.rsplit(" ", 1)
        name, _, labels = series.partition("{")
        pairs = frozenset((k, v) for k, v in LABEL.findall(labels))
        out[(name, pairs)] = float(value)
    return out


@unittest.skipUnless(PROMETHEUS and PROMTOOL, "prometheus not installed (apt-get install prometheus)")
class PrometheusScrapesKizuna(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.started = time.time()
        self.policy = os.path.join(self.tmp, "policy.yaml")
        with open(self.policy, "w") as f:
            f.write(POLICY)
        self.keys = os.path.join(self.tmp, "unsubscribe.keys")
        with open(self.keys, "w") as f:
            f.write(os.urandom(32).hex() + "\n")
        self.sink = self.start_sink()
        self.k = self.start_kizuna(
            f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
            extra_yaml=(f"policies: [{self.policy}]\n"
                        "admin_http:\n  listen: 127.0.0.1:0\n"
                        f"unsubscribe:\n  base_url: {BASE_URL}\n  mailto_domain: example.com\n"
                        f"  secret_file: {self.keys}\n"))
        self.admin = f"http://127.0.0.1:{self.k.admin_port()}"
        self.prom = self.start_prometheus()
        self.connections = 0  # SMTP connections this test opened
        self.messages = 0     # messages whose DATA kizuna received

    def start_prometheus(self):
        port = free_port()
        data = os.path.join(self.tmp, "prometheus")
        config = os.path.join(self.tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 900ms\n"
                    "scrape_configs:\n  - job_name: kizuna\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.admin.rsplit(':', 1)[1]}']\n")
        log = open(os.path.join(self.tmp, "prometheus.log"), "wb")
        proc = subprocess.Popen([PROMETHEUS, f"--config.file={config}", f"--storage.tsdb.path={data}",
                                 f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)

        def stop():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            log.close()
        self._stops.append(stop)
        url = f"http://127.0.0.1:{port}"

        def ready():
            if proc.poll() is not None:
                with open(os.path.join(self.tmp, "prometheus.log"), errors="replace") as f:
                    raise AssertionError("prometheus exited early:\n" + f.read())
            try:
                return http("GET", url + "/-/ready")[0] == 200
            except OSError:
                return False
        wait_for(ready, 30, "prometheus to be ready")
        return url

    def tearDown(self):
        if hasattr(self, "k") and self.k.proc.poll() is None:
            r = self.k.cli("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        super().tearDown()

    # --- Prometheus' HTTP API -------------------------------------------------

    def query(self, expr):
        """{frozenset(labels without __name__/job/instance): value} of an instant query."""
        status, _, body = http("GET", self.prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
        self.assertEqual(status, 200, body)
        reply = json.loads(body)
        self.assertEqual(reply["status"], "success", reply)
        out = {}
        for r in reply["data"]["result"]:
            labels = {k: v for k, v in r["metric"].items() if k not in ("__name__", "job", "instance")}
            out[frozenset(labels.items())] = float(r["value"][1])
        return out

    def eventually(self, expr, expected, what=None):
        """Polls `expr` until it equals `expected` ({labels: value} or a number for one series)."""
        last = {}

        def matches():
            nonlocal last
            last = self.query(expr)
            if isinstance(expected, dict):
                return last == expected
            return len(last) == 1 and next(iter(last.values())) == expected
        try:
            wait_for(matches, DEADLINE, what or expr)
        except AssertionError:
            self.fail(f"{what or expr}: Prometheus has {last}, expected {expected}")

    def one(self, expr):
        values = self.query(expr)
        self.assertEqual(len(values), 1, f"{expr}: {values}")
        return next(iter(values.values()))

    # --- what the test does ---------------------------------------------------

    def contact(self, addr, **fields):
        args = []
        for key, value in fields.items():
            args += [key, value]
        self.redis.command("HSET", f"{P}contact:{{{addr}}}", *(args or ["last_name", "Sato"]))

    def send(self, rcpts):
        """One SMTP connection and transaction; the refused recipients {rcpt: (code, text)}."""
        self.connections += 1
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            try:
                refused = c.sendmail("news@example.org", rcpts, message().encode())
            except smtplib.SMTPRecipientsRefused as e:
                return e.recipients  # nobody accepted: no DATA
            self.messages += 1
            return refused

    def recipient_counts_in_audit(self):
        """Recipient decisions of the audit log, as Prometheus should count them."""
        counts = collections.Counter()
        for r in self.k.audit_records():
            if r["decision"] in RECIPIENT_DECISIONS:
                counts[frozenset({"decision": r["decision"], "rule": r["rule"] or "builtin:default"}.items())] += 1
        return dict(counts)

    def test_prometheus_sees_every_decision_and_operation(self):
        listener = "127.0.0.1:0"  # the listen address as written in the config
        self.eventually('up{job="kizuna"}', 1, "prometheus scraping kizuna")
        version = subprocess.run([KIZUNA, "--version"], capture_output=True, text=True).stdout.split()[-1]
        self.eventually("kizuna_build_info", {frozenset({"version": version}.items()): 1})

        # Mail: relay, drop (exclusion), hold (field), defer (rule, at RCPT), reject (opt-out, at RCPT).
        self.contact("relay1@example.com")
        self.contact("relay2@example.com")
        self.contact("complaint@example.com")
        self.redis.command("HSET", f"{P}exclusion:{{complaint@example.com}}", "complaint", "-|open")
        self.contact("deal@example.com", deal_stage="negotiating")
        self.contact("paused@example.com", status="paused")
        self.contact("optout@example.com")
        self.redis.command("HSET", f"{P}optout:{{optout@example.com}}", "*", f"{int(time.time())}|crm|")
        refused = self.send(["relay1@example.com", "complaint@example.com", "deal@example.com",
                             "paused@example.com", "optout@example.com"])
        self.assertEqual(sorted(refused), ["optout@example.com", "paused@example.com"], refused)
        self.assertEqual(refused["optout@example.com"][0], 550)
        self.assertEqual(refused["paused@example.com"][0], 450)
        self.assertEqual(self.send(["relay2@example.com"]), {})
        # Fail closed: Redis down, the recipient is deferred and the error counted.
        self.redis.stop()
        refused = self.send(["relay1@example.com"])
        self.assertEqual(refused["relay1@example.com"][0], 451, refused)
        self.redis.start()

        audit = self.recipient_counts_in_audit()
        decisions = {dict(k)["decision"] for k in audit}
        self.assertTrue({"relay", "drop", "reject", "defer", "hold"} <= decisions, audit)
        self.assertIn(frozenset({"decision": "defer", "rule": "builtin:redis-unavailable"}.items()), audit)
        self.assertIn(frozenset({"decision": "reject", "rule": "builtin:optout"}.items()), audit)
        self.eventually("kizuna_recipients_total > 0", audit, "recipients by decision and rule")
        # Declared rules are pre-initialised, zero included.
        self.eventually('kizuna_recipients_total{decision="drop",rule="never-matches"}', 0)

        relayed = sum(v for k, v in audit.items() if dict(k)["decision"] == "relay")
        self.eventually('kizuna_downstream_transactions_total{class="2xx"}', relayed)
        self.eventually('kizuna_downstream_transaction_duration_seconds_count{class="2xx"}', relayed)
        self.assertGreater(self.one('kizuna_downstream_transaction_duration_seconds_sum{class="2xx"}'), 0)

        self.eventually(f'kizuna_connections_total{{listener="{listener}",result="accepted"}}', self.connections)
        self.eventually('kizuna_connections_active', {frozenset({"listener": listener}.items()): 0})
        self.eventually(f'kizuna_messages_received_total{{listener="{listener}"}}', self.messages)
        self.eventually("kizuna_message_size_bytes_count", self.messages)

        deferred_by_redis = audit[frozenset({"decision": "defer", "rule": "builtin:redis-unavailable"}.items())]
        unavailable = self.one('kizuna_redis_errors_total{kind="unavailable"}')
        self.assertGreaterEqual(unavailable, deferred_by_redis)
        self.assertGreater(self.one("kizuna_redis_command_duration_seconds_count"), 0)

        appends = self.one("kizuna_audit_append_duration_seconds_count")
        fsyncs = self.one("kizuna_audit_fsync_duration_seconds_count")
        self.assertGreater(fsyncs, 0)  # audit.fsync: always (the default)
        self.assertGreaterEqual(appends, fsyncs)  # group commit: one fsync for one or more appends
        self.eventually("sum(kizuna_audit_errors_total)", 0)

        # The hold queue: what is on disk, and how old the oldest copy is.
        held = [n for n in os.listdir(os.path.join(self.tmp, "state", "hold")) if n.endswith(".held")]
        self.assertEqual(len(held), 1, held)
        self.eventually("kizuna_hold_queue_copies", len(held))
        age = self.one("kizuna_hold_queue_oldest_age_seconds")
        self.assertGreaterEqual(age, 0)
        self.assertLessEqual(age, time.time() - self.started + 2)

        # Unsubscribe: one-click twice (the second is a repeat), the page once, a forged token.
        r = self.k.cli("unsubscribe-url", "relay2@example.com")
        self.assertEqual(r.returncode, 0, r.stderr)
        url = self.admin + r.stdout.splitlines()[0][len(BASE_URL):]
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for _ in range(2):
            status, _, body = http("POST", url, b"List-Unsubscribe=One-Click", form)
            self.assertEqual(status, 200, body)
        self.assertEqual(http("GET", url)[0], 200)
        self.assertEqual(http("GET", self.admin + "/u/AAAAforged")[0], 400)
        unsubscribes = {
            frozenset({"route": "one_click", "result": "opted_out"}.items()): 1,
            frozenset({"route": "one_click", "result": "repeat"}.items()): 1,
            frozenset({"route": "page", "result": "shown"}.items()): 1,
            frozenset({"route": "page", "result": "invalid"}.items()): 1,
        }
        self.eventually("kizuna_unsubscribe_requests_total > 0", unsubscribes, "unsubscribe requests")

        # Reloads: one accepted, one refused (the config kept), counted by result.
        loaded_at = self.one("kizuna_config_last_reload_success_timestamp_seconds")
        self.assertGreaterEqual(loaded_at, int(self.started) - 1)
        self.k.signal(signal.SIGHUP)
        wait_for(lambda: "reloaded" in self.k.read_log(), 15, "reload")
        with open(self.k.config, "w") as f:
            f.write(self.k.yaml + "no_such_key: 1\n")
        try:
            self.k.signal(signal.SIGHUP)
            wait_for(lambda: "reload refused" in self.k.read_log(), 15, "refused reload")
        finally:
            with open(self.k.config, "w") as f:
                f.write(self.k.yaml)
        self.eventually("kizuna_config_reloads_total", {frozenset({"result": "success"}.items()): 1,
                                                        frozenset({"result": "failure"}.items()): 1})
        self.assertGreaterEqual(self.one("kizuna_config_last_reload_success_timestamp_seconds"), loaded_at)
        # Counters survive the reload: the rules were kept, so their slots and counts are.
        self.eventually("kizuna_recipients_total > 0", audit, "recipients after the reload")

    def test_scrape_is_valid_text_format_and_only_get_and_head_are_allowed(self):
        status, headers, body = http("GET", self.admin + "/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        text = body.decode("utf-8")
        self.assertIn("# TYPE kizuna_recipients_total counter", text)
        series = parse_scrape(text)
        self.assertIn(("kizuna_connections_active", frozenset({("listener", "127.0.0.1:0")})), series)
        r = subprocess.run([PROMTOOL, "check", "metrics"], input=body, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout.decode() + r.stderr.decode())

        status, headers, body = http("HEAD", self.admin + "/metrics")
        self.assertEqual((status, body), (200, b""))
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        self.assertGreater(int(headers["Content-Length"]), 0)
        status, headers, _ = http("POST", self.admin + "/metrics", b"")
        self.assertEqual(status, 405)
        self.assertEqual(headers["Allow"], "GET, HEAD")


if __name__ == "__main__":
    if not (PROMETHEUS and PROMTOOL):
        print("prometheus not installed (apt-get install prometheus): skipped", file=sys.stderr)
        sys.exit(77)  # CTest SKIP_RETURN_CODE
    unittest.main(verbosity=2)
