"""The quick-start shape (config/kizuna.yaml): redis.embedded supervised by
kizuna, downstream maildir with atomic per-recipient files; MAIL parameters
carried to a real downstream (smtp-sink records them)."""
import os
import signal
import smtplib
import subprocess
import tempfile
import shutil
import unittest

from harness import KIZUNA, RelayTestCase, wait_for
from peers import ScriptedPeer


class EmbeddedDefaults(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="kizuna-it-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def test_embedded_redis_and_maildir_deliver_and_stop_cleanly(self):
        config = os.path.join(self.tmp, "kizuna.yaml")
        with open(config, "w") as f:
            f.write("threads: 1\nlisten:\n  - address: 127.0.0.1:0\n    protocol: smtp\n"
                    "downstream:\n  maildir: maildir\nredis:\n  embedded: true\nstate_dir: state\n")
        log_path = os.path.join(self.tmp, "kizuna.log")
        with open(log_path, "wb") as log:
            proc = subprocess.Popen([KIZUNA, "serve", "--config", config], stdout=log, stderr=log)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        read_log = lambda: open(log_path, encoding="utf-8", errors="replace").read()
        wait_for(lambda: "kizuna ready" in read_log() or proc.poll() is not None, 20, "kizuna ready")
        self.assertIsNone(proc.poll(), read_log())
        port = int(read_log().split("listening smtp on 127.0.0.1:")[1].split()[0])
        with open(os.path.join(self.tmp, "state", "redis", "redis.pid")) as f:
            redis_pid = int(f.read().strip())
        os.kill(redis_pid, 0)  # running

        with smtplib.SMTP("127.0.0.1", port, timeout=20) as c:
            self.assertEqual(c.sendmail("a@example.org", ["x@example.com", "y@example.com"],
                                        b"Subject: maildir\r\n\r\n.leading dot\r\nbody\r\n"), {})
        new = os.path.join(self.tmp, "maildir", "new")
        files = sorted(os.listdir(new))
        self.assertEqual(len(files), 2)
        self.assertEqual(os.listdir(os.path.join(self.tmp, "maildir", "tmp")), [], "no partial files left")
        texts = [open(os.path.join(new, n), "rb").read() for n in files]
        self.assertEqual(sorted(t.split(b"Delivered-To: ")[1].split(b"\r\n")[0] for t in texts),
                         [b"x@example.com", b"y@example.com"])
        for t in texts:
            self.assertIn(b"\r\n.leading dot\r\n", t, "stored un-dot-stuffed, as a reader sees it")

        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(30), 0)
        with self.assertRaises(ProcessLookupError):  # the embedded server stopped with us
            wait_for(lambda: os.kill(redis_pid, 0) or False, 10, "redis-server to exit")


class MailParameters(RelayTestCase):
    def test_body_and_smtputf8_are_carried_to_downstream(self):
        peer = ScriptedPeer()
        self._stops.append(peer.stop)
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {peer.port}")
        with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=20) as c:
            c.ehlo()
            self.assertEqual(c.sendmail("送信@example.org", ["受信@example.com"],
                                        "Subject: utf8\r\n\r\nこんにちは\r\n".encode(),
                                        mail_options=["BODY=8BITMIME", "SMTPUTF8"]), {})
        mail = [cmd for cmd in peer.commands if cmd.upper().startswith("MAIL")]
        self.assertEqual(len(mail), 1)
        self.assertIn("<送信@example.org>", mail[0])
        for param in ("BODY=8BITMIME", "SMTPUTF8", "SIZE="):
            self.assertIn(param, mail[0])
        self.assertEqual(peer.recipients(), ["受信@example.com"])

    def test_smtputf8_message_to_a_downstream_without_it_is_refused_not_mangled(self):
        sink = self.start_sink()  # Postfix's smtp-sink offers no SMTPUTF8
        k = self.start_kizuna(f"  host: 127.0.0.1\n  port: {sink.port}")
        with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=20) as c:
            c.ehlo()
            with self.assertRaises(smtplib.SMTPDataError) as e:
                c.sendmail("送信@example.org", ["受信@example.com"], "Subject: x\r\n\r\nx\r\n".encode(),
                           mail_options=["SMTPUTF8"])
        self.assertEqual(e.exception.smtp_code, 554)
        self.assertIn(b"5.6.7", e.exception.smtp_error)
        self.assertEqual(sink.messages(), [])


if __name__ == "__main__":
    unittest.main()
