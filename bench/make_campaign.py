#!/usr/bin/env python3
"""The personalization benchmark's inputs (bench/personalize.sh), written to DIR:
  message.eml    a ~20 KB multipart/alternative newsletter in Japanese: Subject, a
                 text/plain part (UTF-8, quoted-printable) and a text/html part
                 (UTF-8, base64) using exactly 10 distinct merge fields
  contacts.resp  HSET kizuna:contact:{<addr>} for COUNT addresses (PATTERN with
                 %d = 0..COUNT-1), every field the message uses, as redis-cli --pipe input
Usage: make_campaign.py DIR COUNT PATTERN
"""
import base64
import quopri
import sys
from email.header import Header

out, count, pattern = sys.argv[1], int(sys.argv[2]), sys.argv[3]
target_bytes = 20 * 1024

# The contact fields; persona.display_name, persona.fields.title/phone and
# unsubscribe_url make the other four (10 distinct fields in all).
subject = "【{{company | company}}】{{last_name}}様へ {{contact.資料名}} のご案内"
text_head = """{{company | company}}
{{last_name}} {{first_name}} 様

いつもお世話になっております。{{persona.fields.title}}の{{persona.display_name}}です。
先日お問い合わせいただいた「{{contact.資料名}}」の最新版をお届けします。
{{region}}地区の導入事例もあわせてご紹介します（担当コード: {{owner}}）。
"""
text_tail = """
ご不明な点は {{persona.fields.phone}}（{{persona.display_name}}）までお気軽にどうぞ。
{{last_name}} 様のご検討をお待ちしております。
配信停止: {{unsubscribe_url}}
"""
html_head = """<!DOCTYPE html>
<html lang="ja"><head><meta charset="utf-8"><title>{{contact.資料名}}のご案内</title></head>
<body style="font-family: sans-serif">
<p>{{company | company}}<br>{{last_name}} {{first_name}} 様</p>
<p>いつもお世話になっております。{{persona.fields.title}}の<b>{{persona.display_name}}</b>です。</p>
<p>先日お問い合わせいただいた「<a href="https://www.example.co.jp/docs?region={{region}}">{{contact.資料名}}</a>」の最新版をお届けします。</p>
<p>{{region}}地区の導入事例（担当コード: {{owner}}）</p>
"""
html_tail = """<p>ご不明な点は <a href="tel:{{persona.fields.phone}}">{{persona.fields.phone}}</a>（{{persona.display_name}}）までお気軽にどうぞ。</p>
<p><a href="{{unsubscribe_url}}">配信停止</a></p>
</body></html>
"""
paragraph = ("第{n}章 クラウド型の顧客管理を導入した企業では、営業担当者ごとの案件の見通しが"
             "一目で分かるようになり、会議の準備にかかる時間が大幅に短くなりました。"
             "また、問い合わせへの返信が早くなったことで、商談に進む割合も高まっています。\n")


def build(n):
    body = "".join(paragraph.format(n=i + 1) for i in range(n))
    text = quopri.encodestring((text_head + "\n" + body + text_tail).encode()).decode()
    html_body = "".join(f"<p>{paragraph.format(n=i + 1).strip()}</p>\n" for i in range(n))
    html = base64.encodebytes((html_head + html_body + html_tail).encode()).decode()
    return f"""From: =?UTF-8?B?5Za25qWt6YOo?= <eigyo@example.co.jp>
To: undisclosed-recipients:;
Subject: {Header(subject, "utf-8").encode()}
Date: Mon, 1 Dec 2025 10:00:00 +0900
Message-ID: <bench-personalize@example.co.jp>
MIME-Version: 1.0
X-Kizuna-Category: newsletter
Content-Type: multipart/alternative; boundary="=_kizuna_bench_boundary"

This is a multi-part message in MIME format.

--=_kizuna_bench_boundary
Content-Type: text/plain; charset=UTF-8
Content-Transfer-Encoding: quoted-printable

{text}
--=_kizuna_bench_boundary
Content-Type: text/html; charset=UTF-8
Content-Transfer-Encoding: base64

{html}
--=_kizuna_bench_boundary--
"""


n = 1
while len(build(n).encode()) < target_bytes:
    n += 1
with open(f"{out}/message.eml", "w", encoding="utf-8") as f:
    f.write(build(n))

last = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"]
first = ["太郎", "花子", "一郎", "美咲", "健太", "陽子"]
company = ["(株)ベーシック", "株式会社 サンプル", "㈱テスト商事", "有限会社ミナミ", "ＡＢＣ（株）"]
docs = ["導入事例集", "料金表", "製品カタログ"]
region = ["関東", "関西", "九州", "東北"]
owner = ["yamada", "sato"]


def resp(*args):
    parts = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(parts)


prefix, suffix = pattern.split("%d")
with open(f"{out}/contacts.resp", "wb") as f:
    for i in range(count):
        f.write(resp("HSET", f"kizuna:contact:{{{prefix}{i}{suffix}}}",
                     "last_name", last[i % len(last)], "first_name", first[i % len(first)],
                     "company", company[i % len(company)], "資料名", docs[i % len(docs)],
                     "region", region[i % len(region)], "owner", owner[i % len(owner)]))
