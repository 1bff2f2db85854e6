"""Issue 5, acceptance 1 and 3, through relayed copies: every marketing copy
carries List-Unsubscribe (https + mailto) and List-Unsubscribe-Post (RFC 8058),
replacing the sender's, and the policy footer merged per recipient; a
transactional copy carries neither; with merge.require_unsubscribe_link and no
visible link a marketing copy is held. The URL and the mailto address taken from
a relayed copy's header opt the recipient out at once."""
import email
import email.policy
import os
import re
import smtplib
import time

from harness import RelayTestCase
from test_personalize import copy_of
from test_unsubscribe import gmail_one_click

P = "kizuna:"
BASE_URL = "https://u.example.com"

CATEGORIES = "categories:\n  transactional: [receipt]\n  default: newsletter\n"
FOOTER = """\
merge:
  require_unsubscribe_link: true
  footer:
    text: "--\\n送信者: 株式会社サンプル（{{persona.display_name}}）\\n配信停止: {{unsubscribe_url}}\\n"
    html: '<p class="footer">送信者: 株式会社サンプル<br><a href="{{unsubscribe_url}}">配信停止</a></p>'
personas:
  - {id: yamada, display_name: 山田 太郎, address: yamada@example.co.jp}
persona_assignment: {default: yamada}
"""


def message(category, html=True, extra=""):
    head = (f"From: news@example.org\r\nTo: undisclosed-recipients:;\r\nX-Kizuna-Category: {category}\r\n"
            f"List-Unsubscribe: <https://esp.example.net/old>\r\n{extra}Subject: {category}\r\nMIME-Version: 1.0\r\n")
    if not html:
        return head + "Content-Type: text/plain; charset=UTF-8\r\n\r\nbody\r\n"
    return (head + 'Content-Type: multipart/alternative; boundary="b1"\r\n\r\n'
            "--b1\r\nContent-Type: text/plain; charset=UTF-8\r\n\r\nplain body\r\n"
            "--b1\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
            "<html><body><p>html body</p></body></html>\r\n--b1--\r\n")


class ListUnsubscribe(RelayTestCase):
    policy_text = CATEGORIES + FOOTER

    def setUp(self):
        super().setUp()
        policy = os.path.join(self.tmp, "policy.yaml")
        with open(policy, "w") as f:
            f.write(self.policy_text)
        self.sink = self.start_sink()
        self.k = self.start_kizuna(
            f"  host: 127.0.0.1\n  port: {self.sink.port}", protocols=("smtp",),
            extra_yaml=(f"policies: [{policy}]\nadmin_http:\n  listen: 127.0.0.1:0\n"
                        + self.unsubscribe_yaml(base_url=BASE_URL, mailto_domain="example.com")))

    def tearDown(self):
        if hasattr(self, "k") and self.k.proc.poll() is None:
            r = self.k.cli("audit", "verify")
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        super().tearDown()

    def send(self, rcpts, msg):
        with smtplib.SMTP("127.0.0.1", self.k.ports["smtp"], timeout=20) as c:
            return c.sendmail("news@example.org", rcpts, msg.encode())

    def copies(self):
        return [(r.strip("<>"), email.message_from_bytes(copy_of(d), policy=email.policy.default))
                for r, d in self.sink.messages()]

    def decisions(self):
        return [(r["rcpt"], r["decision"], r["rule"]) for r in self.k.audit_records()]


class Headers(ListUnsubscribe):
    def test_marketing_copy_carries_both_headers_and_the_footer(self):
        self.assertEqual(self.send(["taro@example.com"], message("newsletter")), {})
        [(rcpt, copy)] = self.copies()
        links = copy.get_all("List-Unsubscribe")
        self.assertEqual(len(links), 1, "the sender's List-Unsubscribe is replaced, not kept beside ours")
        https, mailto = re.findall(r"<([^>]+)>", str(links[0]))
        self.assertTrue(https.startswith(BASE_URL + "/u/"), https)
        self.assertTrue(mailto.startswith("mailto:unsubscribe+") and mailto.endswith("@example.com"), mailto)
        self.assertEqual(copy["List-Unsubscribe-Post"], "List-Unsubscribe=One-Click")
        plain, html = [p.get_content() for p in copy.walk() if p.get_content_maintype() == "text"]
        self.assertIn("plain body", plain)
        self.assertIn("送信者: 株式会社サンプル（山田 太郎）", plain)
        self.assertIn("配信停止: " + https, plain)
        # The HTML footer goes before </body>, its link is the same URL.
        self.assertRegex(html, r'<p class="footer">.*</p></body>')
        self.assertIn(f'href="{https}"', html)

    def test_transactional_copy_carries_neither(self):
        self.assertEqual(self.send(["taro@example.com"], message("receipt", extra="")), {})
        [(rcpt, copy)] = self.copies()
        self.assertEqual(copy.get_all("List-Unsubscribe"), ["<https://esp.example.net/old>"],
                         "a transactional copy keeps what the sender set and gets nothing from us")
        self.assertIsNone(copy["List-Unsubscribe-Post"])
        for part in copy.walk():
            if part.get_content_maintype() == "text":
                self.assertNotIn("配信停止", part.get_content())

    def test_the_copys_own_links_opt_out_at_once(self):
        self.send(["taro@example.com", "jiro@example.com"], message("newsletter"))
        links = {rcpt: re.findall(r"<([^>]+)>", str(c["List-Unsubscribe"])) for rcpt, c in self.copies()}
        # One-click, exactly as Gmail posts it, at the admin server the base URL stands for.
        https = links["taro@example.com"][0]
        status, body = gmail_one_click(f"http://127.0.0.1:{self.k.admin_port()}" + https[len(BASE_URL):])
        self.assertEqual(status, 200, body)
        # The mailto route, with the address from the other copy's header.
        mailto = links["jiro@example.com"][1][len("mailto:"):]
        self.assertEqual(self.send([mailto], "Subject: unsubscribe\r\n\r\nunsubscribe\r\n"), {})
        started = time.monotonic()
        self.assertEqual(self.send(["taro@example.com", "jiro@example.com", "hanako@example.com"],
                                   message("newsletter")), {})
        self.assertLess(time.monotonic() - started, 1.0)
        self.assertEqual(sorted(r for r, _ in self.copies()),
                         ["hanako@example.com", "jiro@example.com", "taro@example.com"],
                         "only hanako got the second newsletter")
        drops = [d for d in self.decisions() if d[1] == "drop"]
        self.assertEqual(sorted(drops), [("jiro@example.com", "drop", "builtin:optout"),
                                         ("taro@example.com", "drop", "builtin:optout")])


class RequiredLinkWithoutFooter(ListUnsubscribe):
    policy_text = CATEGORIES + "merge:\n  require_unsubscribe_link: true\n"

    def test_marketing_copy_without_visible_link_is_held(self):
        self.assertEqual(self.send(["taro@example.com"], message("newsletter", html=False)), {})
        self.assertEqual(self.copies(), [])
        self.assertIn(("taro@example.com", "hold", "builtin:unsubscribe-link-missing"), self.decisions())
        self.assertIn("taro@example.com", self.k.cli("hold", "list").stdout)

    def test_a_link_in_the_body_satisfies_the_requirement(self):
        msg = message("newsletter", html=False).replace("body\r\n", "stop: {{unsubscribe_url}}\r\n")
        self.assertEqual(self.send(["taro@example.com"], msg), {})
        [(rcpt, copy)] = self.copies()
        self.assertIn("stop: " + BASE_URL + "/u/", copy.get_content())

    def test_transactional_copies_need_no_link(self):
        self.assertEqual(self.send(["taro@example.com"], message("receipt", html=False)), {})
        self.assertEqual(len(self.copies()), 1)
