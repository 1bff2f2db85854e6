"""Issue 11, defects 2 and 6. Transaction and hold ids were seconds + a
per-process counter from 0: two starts within one second reused them and a
second held copy overwrote the first, which had been acknowledged with 250. Ids
now carry a random per-process component and a held copy is never replaced.
And `kizuna hold list` / `show` work while a broken policy file waits on disk
(an admin must see the queue during an incident); `release` still refuses."""
import os
import smtplib
import unittest

from harness import RelayTestCase

POLICY = """\
rules:
  - id: review-everything
    description: every copy waits for a reviewer
    match: {campaign.category: newsletter}
    action: hold
"""


def message(n):
    return (f"From: news@example.org\r\nTo: r@example.com\r\nMessage-ID: <same-{n}@example.org>\r\n"
            f"X-Kizuna-Category: newsletter\r\nSubject: held {n}\r\n\r\nbody\r\n").encode()


class UniqueIds(RelayTestCase):
    def setUp(self):
        super().setUp()
        self.policy = os.path.join(self.tmp, "hold.yaml")
        with open(self.policy, "w") as f:
            f.write(POLICY)
        self.sink = self.start_sink()

    def start(self):
        return self.start_kizuna(f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
                                 extra_yaml=f"policies: [{self.policy}]\n")

    def held_files(self):
        d = os.path.join(self.tmp, "state", "hold")
        return sorted(f for f in os.listdir(d) if f.endswith(".held")) if os.path.isdir(d) else []

    def test_starts_within_one_second_never_reuse_a_hold_id(self):
        for n in range(6):
            k = self.start()
            with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30) as s:
                for m in range(4):
                    self.assertEqual(s.sendmail("news@example.org", ["r@example.com", "s@example.com"],
                                                message(f"{n}.{m}")), {})
            self.assertEqual(k.stop(), 0)
        held = self.held_files()
        # 6 starts x 4 messages x 2 recipients, every one acknowledged 250 and kept.
        self.assertEqual(len(held), 48, held)
        self.assertEqual(len(set(h.split("-")[0] for h in held)), 24)

    def test_hold_list_and_show_work_with_a_broken_policy_on_disk(self):
        k = self.start()
        with smtplib.SMTP("127.0.0.1", k.ports["smtp"], timeout=30) as s:
            s.sendmail("news@example.org", ["r@example.com"], message(1))
        with open(self.policy, "a") as f:
            f.write("  - id: broken\n    match: {no_such_matcher: 1}\n    action: relay\n")
        listing = k.cli("hold", "list")
        self.assertEqual(listing.returncode, 0, listing.stderr)
        self.assertIn("warning", listing.stderr)
        self.assertIn("hold.yaml", listing.stderr)
        hold_id = listing.stdout.splitlines()[1].split()[0]
        shown = k.cli("hold", "show", hold_id)
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertIn("held 1", shown.stdout)
        released = k.cli("hold", "release", hold_id)
        self.assertEqual(released.returncode, 78, released.stderr)
        self.assertEqual(len(self.held_files()), 1)


if __name__ == "__main__":
    unittest.main()
