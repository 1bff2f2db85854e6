"""STARTTLS (RFC 3207) and AUTH (RFC 4954) on both legs, with real TLS:
Python's ssl/smtplib as the client in front of kizuna, and the scripted peer
(peers.py, Python's ssl server side) as the downstream behind it. The fixture
certificate is self-signed for CN=localhost; the users fixture holds
alice / "secret"; the downstream credentials fixture holds relay-user."""
import base64
import os
import smtplib
import ssl
import subprocess
import unittest

from harness import KIZUNA, SOURCE_DIR, Line, RelayTestCase, wait_for
from peers import ScriptedPeer

FILES = os.path.join(SOURCE_DIR, "tests/fixtures/config/files")
CERT = os.path.join(FILES, "cert.pem")
KEY = os.path.join(FILES, "key.pem")
USERS = os.path.join(FILES, "users")
DOWNSTREAM_AUTH = os.path.join(FILES, "downstream-auth")
DOWNSTREAM_CREDS = ("relay-user", "relay-password")

MESSAGE = b"From: sender@example.org\r\nTo: rcpt@example.com\r\nSubject: tls\r\n\r\nbody\r\n"


def tls_listener(require=False, auth=False, allow=None):
    """listen_extra for harness.Kizuna: TLS (and AUTH) on every listener."""
    y = f"    tls:\n      cert: {CERT}\n      key: {KEY}\n"
    if require:
        y += "      require: true\n"
    if auth:
        y += f"    auth: {USERS}\n"
    if allow is not None:
        y += f"    allow_clients: [{', '.join(allow)}]\n"
    return y


def unverified():
    """The client side of tests that are about kizuna's server, not certificate checks."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def plain_b64(user, password):
    return base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode()


class Listener(RelayTestCase):
    """kizuna's listener side; the downstream is a plain scripted peer."""

    def setUp(self):
        super().setUp()
        self.peer = ScriptedPeer()
        self._stops.append(self.peer.stop)

    def start(self, **listener):
        return self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.peer.port}", protocols=("smtp",),
                                 listen_extra=tls_listener(**listener))

    def smtp(self, k):
        return smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=20)

    def test_starttls_then_send_relays_and_received_says_esmtps(self):
        k = self.start()
        with self.smtp(k) as c:
            c.ehlo("client.example")
            self.assertTrue(c.has_extn("starttls"))
            code, _ = c.starttls(context=unverified())
            self.assertEqual(code, 220)
            c.ehlo("client.example")
            self.assertFalse(c.has_extn("starttls"))
            self.assertEqual(c.sendmail("sender@example.org", ["rcpt@example.com"], MESSAGE), {})
        self.assertEqual(self.peer.recipients(), ["rcpt@example.com"])
        body = self.peer.delivered[0][1]
        self.assertRegex(body, rb"^Received: from client\.example .*\r\n\tby \S+ \(Kizuna\) with ESMTPS id ")
        self.assertIn("TLS established", k.read_log())

    def test_input_pipelined_behind_starttls_is_discarded(self):
        k = self.start()
        c = Line(k.ports["smtp"])
        self.assertTrue(c.reply().startswith("220"))
        self.assertTrue(c.cmd("EHLO client.example").startswith("250"))
        # CVE-2011-0411: the NOOP came in the clear with STARTTLS and must not be
        # answered, neither before the handshake nor as if it came over TLS.
        c.send(b"STARTTLS\r\nNOOP\r\n")
        self.assertEqual(c.reply(), "220 2.0.0 Ready to start TLS")
        c.starttls(unverified())  # the handshake fails if a 250 for the NOOP came in the clear
        ehlo = c.cmd("EHLO client.example")  # the first reply over TLS is EHLO's, not NOOP's
        self.assertTrue(ehlo.startswith("250-"), ehlo)
        self.assertNotIn("STARTTLS", ehlo)
        self.assertEqual(c.cmd("NOOP"), "250 2.0.0 Ok")
        self.assertEqual(c.cmd("QUIT")[:3], "221")
        c.close()
        wait_for(lambda: "discarded 6 bytes sent after STARTTLS" in k.read_log(), 5, "the discard to be logged")

    def test_tls_require_refuses_mail_before_starttls(self):
        k = self.start(require=True)
        with self.smtp(k) as c:
            c.ehlo("client.example")
            code, text = c.mail("sender@example.org")
            self.assertEqual(code, 530)
            self.assertIn(b"5.7.0 Must issue a STARTTLS command first", text)
            c.starttls(context=unverified())
            c.ehlo("client.example")
            self.assertEqual(c.sendmail("sender@example.org", ["rcpt@example.com"], MESSAGE), {})
        self.assertEqual(self.peer.recipients(), ["rcpt@example.com"])

    def test_auth_is_neither_offered_nor_accepted_before_tls(self):
        k = self.start(auth=True)
        with self.smtp(k) as c:
            c.ehlo("client.example")
            self.assertFalse(c.has_extn("auth"))
            code, _ = c.docmd("AUTH", "PLAIN " + plain_b64("alice", "secret"))
            self.assertIn(code, (503, 530))
            c.starttls(context=unverified())
            c.ehlo("client.example")
            self.assertTrue(c.has_extn("auth"))
            self.assertEqual(sorted(c.esmtp_features["auth"].split()), ["LOGIN", "PLAIN"])

    def test_outsider_gets_530_until_it_authenticates_then_relays(self):
        k = self.start(auth=True, allow=["192.0.2.0/24"])
        with self.smtp(k) as c:
            code, _ = c.ehlo("client.example")
            self.assertEqual(code, 250)  # a 220 greeting, not 554: it may authenticate
            code, text = c.mail("sender@example.org")
            self.assertEqual((code, text), (530, b"5.7.0 Authentication required"))
            c.rset()
            c.starttls(context=unverified())
            c.ehlo("client.example")
            code, text = c.mail("sender@example.org")
            self.assertEqual(code, 530)
            c.rset()
            code, _ = c.login("alice", "secret")
            self.assertEqual(code, 235)
            self.assertEqual(c.sendmail("sender@example.org", ["rcpt@example.com"], MESSAGE), {})
        self.assertEqual(self.peer.recipients(), ["rcpt@example.com"])
        self.assertIn(b" with ESMTPSA id ", self.peer.delivered[0][1])
        log = k.read_log()
        self.assertIn("authenticated as alice", log)
        self.assertNotIn("secret", log)

    def test_auth_login_via_continuations(self):
        k = self.start(auth=True, allow=[])
        with self.smtp(k) as c:
            c.ehlo("client.example")
            c.starttls(context=unverified())
            c.ehlo("client.example")
            c.user, c.password = "alice", "secret"
            code, _ = c.auth("LOGIN", c.auth_login, initial_response_ok=False)
            self.assertEqual(code, 235)
            code, _ = c.mail("sender@example.org")
            self.assertEqual(code, 250)

    def test_wrong_password_is_535_and_mail_stays_refused(self):
        k = self.start(auth=True, allow=["192.0.2.0/24"])
        with self.smtp(k) as c:
            c.ehlo("client.example")
            c.starttls(context=unverified())
            c.ehlo("client.example")
            with self.assertRaises(smtplib.SMTPAuthenticationError) as e:
                c.login("alice", "not-the-password")
            self.assertEqual(e.exception.smtp_code, 535)
            self.assertIn(b"5.7.8", e.exception.smtp_error)
            code, _ = c.mail("sender@example.org")
            self.assertEqual(code, 530)
        self.assertEqual(self.peer.recipients(), [])
        log = k.read_log()
        self.assertIn("authentication failed for user alice", log)
        self.assertNotIn("not-the-password", log)

    def test_a_key_that_is_not_a_key_stops_start_up_with_a_clear_message(self):
        config = os.path.join(self.tmp, "bad-tls.yaml")
        with open(config, "w") as f:
            f.write(f"listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: {CERT}\n      key: {USERS}\n"
                    f"downstream:\n  maildir: {self.tmp}/md\nredis:\n  address: unix:{self.redis.sock}\n"
                    f"state_dir: {self.tmp}/state\n")
        r = subprocess.run([KIZUNA, "serve", "--config", config], capture_output=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn(b"listen[0].tls: cannot load the private key", r.stderr)


class Downstream(RelayTestCase):
    """kizuna's client side: TLS and AUTH towards the scripted peer."""

    def relay(self, peer, host="localhost", **keys):
        self._stops.append(peer.stop)
        downstream = f"  host: {host}\n  port: {peer.port}\n" + "".join(f"  {k}: {v}\n" for k, v in keys.items())
        return self.start_kizuna(downstream.rstrip("\n"), protocols=("smtp",))

    def send(self, k, messages=1):
        with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30) as c:
            for i in range(messages):
                c.sendmail("sender@example.org", [f"rcpt{i}@example.com"], MESSAGE)

    def test_starttls_required_verifies_the_peer_and_sends_credentials_over_tls(self):
        peer = ScriptedPeer(tls=(CERT, KEY), auth=DOWNSTREAM_CREDS)
        k = self.relay(peer, tls="starttls-required", tls_ca_file=CERT, auth=DOWNSTREAM_AUTH)
        self.send(k, messages=2)
        self.assertEqual(peer.recipients(), ["rcpt0@example.com", "rcpt1@example.com"])
        self.assertEqual(peer.delivered_tls, [True, True])
        self.assertEqual(peer.auth_seen, [DOWNSTREAM_CREDS])
        # One connection, one handshake, one AUTH: the pooled connection was reused (RSET) over TLS.
        self.assertEqual(peer.tls_sessions, 1)
        self.assertIn("RSET", peer.commands)
        # EHLO before and after STARTTLS, AUTH only after it.
        cmds = [c.split(" ")[0].upper() for c in peer.commands]
        self.assertEqual(cmds[:4], ["EHLO", "STARTTLS", "EHLO", "AUTH"])
        self.assertNotIn("relay-password", k.read_log())

    def test_starttls_required_against_a_peer_without_starttls_tempfails(self):
        peer = ScriptedPeer()
        k = self.relay(peer, host="127.0.0.1", tls="starttls-required", tls_ca_file=CERT)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(k)
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertIn(b"4.7.5", e.exception.smtp_error)
        self.assertEqual(peer.recipients(), [])
        self.assertNotIn("MAIL", " ".join(peer.commands))

    def test_starttls_required_refuses_an_untrusted_certificate(self):
        peer = ScriptedPeer(tls=(CERT, KEY))
        k = self.relay(peer, tls="starttls-required")  # system CAs: the self-signed fixture is not among them
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(k)
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertIn(b"4.7.5", e.exception.smtp_error)
        self.assertIn(b"certificate", e.exception.smtp_error)
        self.assertEqual(peer.recipients(), [])

    def test_starttls_required_checks_the_host_name(self):
        peer = ScriptedPeer(tls=(CERT, KEY))
        k = self.relay(peer, host="127.0.0.1", tls="starttls-required", tls_ca_file=CERT)  # cert is for localhost
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(k)
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertEqual(peer.recipients(), [])

    def test_opportunistic_starttls_encrypts_without_verifying(self):
        peer = ScriptedPeer(tls=(CERT, KEY))
        k = self.relay(peer, host="127.0.0.1", tls="starttls")
        self.send(k)
        self.assertEqual(peer.recipients(), ["rcpt0@example.com"])
        self.assertEqual(peer.delivered_tls, [True])

    def test_opportunistic_starttls_falls_back_to_plain_text(self):
        peer = ScriptedPeer()
        k = self.relay(peer, host="127.0.0.1", tls="starttls")
        self.send(k)
        self.assertEqual(peer.delivered_tls, [False])

    def test_credentials_are_never_sent_without_tls(self):
        peer = ScriptedPeer(auth=DOWNSTREAM_CREDS)
        k = self.relay(peer, host="127.0.0.1", tls="starttls", auth=DOWNSTREAM_AUTH)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(k)
        self.assertEqual(e.exception.smtp_code, 451)
        self.assertIn(b"4.7.0", e.exception.smtp_error)
        self.assertEqual(peer.auth_seen, [])
        self.assertNotIn("AUTH ...", peer.commands)
        self.assertEqual(peer.recipients(), [])
        self.assertIn("credentials go only over TLS", k.read_log())

    def test_rejected_credentials_fail_the_copy_with_the_peers_reply(self):
        peer = ScriptedPeer(tls=(CERT, KEY), auth=("relay-user", "another-password"))
        k = self.relay(peer, tls="starttls-required", tls_ca_file=CERT, auth=DOWNSTREAM_AUTH)
        with self.assertRaises(smtplib.SMTPDataError) as e:
            self.send(k)
        self.assertEqual(e.exception.smtp_code, 535)
        self.assertIn(b"5.7.8", e.exception.smtp_error)
        self.assertEqual(peer.recipients(), [])
        self.assertEqual(len(peer.auth_seen), 1)

    def test_implicit_tls_from_connect(self):
        peer = ScriptedPeer(tls=(CERT, KEY), implicit_tls=True, auth=DOWNSTREAM_CREDS)
        k = self.relay(peer, tls="implicit", tls_ca_file=CERT, auth=DOWNSTREAM_AUTH)
        self.send(k)
        self.assertEqual(peer.delivered_tls, [True])
        self.assertEqual(peer.auth_seen, [DOWNSTREAM_CREDS])
        self.assertNotIn("STARTTLS", peer.commands)


if __name__ == "__main__":
    unittest.main()
