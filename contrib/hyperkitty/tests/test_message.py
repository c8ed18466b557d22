"""Unit tests of the message format and the database URL parser; they need
neither Django nor a database:
    cd contrib/hyperkitty && python3 -m unittest discover -s tests"""
import unittest
from datetime import datetime, timezone
from types import SimpleNamespace

from listscrub_hyperkitty.dburl import database_from_url
from listscrub_hyperkitty.message import message_bytes, parse_fields

HASH = "BV4JPQSSS6F34IMHGSIXWKCNV55APMJF"


class Attachments(list):
    def order_by(self, field):
        return sorted(self, key=lambda a: getattr(a, field))


def attachment(counter, name, content, content_type="application/pdf"):
    return SimpleNamespace(counter=counter, name=name,
                           content_type=content_type,
                           get_content=lambda: content)


def email(**kw):
    values = dict(
        message_id="m1@example.net", message_id_hash=HASH,
        date=datetime(2024, 1, 2, 10, 1, 7, 123, tzinfo=timezone.utc),
        timezone=-330, sender_name="Alice", subject="Hello",
        in_reply_to=None, content="text\n", attachments=Attachments())
    address = kw.pop("address", "alice@example.com")
    values.update(kw)
    return SimpleNamespace(sender=SimpleNamespace(address=address), **values)


class MessageTest(unittest.TestCase):

    def roundtrip(self, e):
        fields = parse_fields(message_bytes(e))
        self.assertEqual(fields["subject"], e.subject)
        self.assertEqual(fields["sender_name"], e.sender_name or "")
        self.assertEqual(fields["address"], e.sender.address)
        self.assertEqual(fields["content"], e.content)
        for a in e.attachments:
            self.assertEqual(fields["attachments"][a.counter],
                             (a.name, a.content_type, a.get_content()))
        return fields

    def test_shape(self):
        data = message_bytes(email(in_reply_to="m0@example.net"))
        self.assertEqual(data.decode().splitlines()[:10], [
            "From hyperkitty@listscrub.invalid Tue Jan  2 10:01:07 2024",
            "Message-ID: <m1@example.net>",
            "Date: Tue, 02 Jan 2024 04:31:07 -0530",
            "From: Alice <alice@example.com>",
            "Subject: Hello",
            "In-Reply-To: <m0@example.net>",
            "MIME-Version: 1.0",
            'Content-Type: multipart/mixed; boundary="listscrub-%s"' % HASH,
            "",
            "--listscrub-" + HASH])
        self.assertTrue(data.endswith(
            b"\n\ntext\n\n--listscrub-%s--\n" % HASH.encode()))

    def test_deterministic(self):
        self.assertEqual(message_bytes(email()), message_bytes(email()))

    def test_plain_values(self):
        for content in ("", "x", "x\n", "a\n\nb\n\n", " lead\ttab "):
            self.roundtrip(email(content=content))
        self.roundtrip(email(sender_name=None))
        self.roundtrip(email(sender_name='Grace "G" Hopper, Jr.'))
        self.roundtrip(email(sender_name="alice@example.com"))
        self.roundtrip(email(subject=""))

    def test_encoded_values(self):
        for text in ("Grüße aus Köln", " leading", "two  spaces",
                     "=?utf-8?q?not_a_word?=", "tab\there",
                     "ü" * 300, "line\nbreak"):
            self.roundtrip(email(subject=text, sender_name=text))

    def test_base64_text(self):
        for content in ("From me\n", ">>From x\n", "a\r\nb", "nul\0",
                        "x" * 991, "--listscrub-%s\n" % HASH):
            data = message_bytes(email(content=content))
            self.assertIn(b"Content-Transfer-Encoding: base64", data)
            self.roundtrip(email(content=content))
        data = message_bytes(email(content="x" * 990 + "\nFrom"))
        self.assertIn(b"Content-Transfer-Encoding: 8bit", data)

    def test_attachments(self):
        atts = Attachments([
            attachment(3, "b ä r.bin", bytes(range(256))),
            attachment(2, 'quo"te\\.txt', b"a\nb\n", "text/plain"),
            attachment(4, "é" * 255, b""),
        ])
        self.roundtrip(email(attachments=atts))
        data = message_bytes(email(attachments=atts)).decode()
        self.assertLess(max(map(len, data.splitlines())), 999)
        self.assertLess(data.index("X-Listscrub-Attachment: 2"),
                        data.index("X-Listscrub-Attachment: 3"))

    def test_bad_content_type(self):
        atts = Attachments([attachment(2, "x", b"1", "bogus\ntype")])
        data = message_bytes(email(attachments=atts))
        self.assertIn(b"Content-Type: application/octet-stream;", data)

    def test_parse_rejects(self):
        with self.assertRaises(ValueError):
            parse_fields(b"From: a@b\nSubject: x\n\nbody\n")


class DatabaseURLTest(unittest.TestCase):

    def test_urls(self):
        self.assertEqual(database_from_url("sqlite:///var/lib/hk.db"), {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": "/var/lib/hk.db"})
        pg = database_from_url("postgresql://u:p%40ss@db.example:5433/hk")
        self.assertEqual((pg["USER"], pg["PASSWORD"], pg["HOST"],
                          pg["PORT"], pg["NAME"]),
                         ("u", "p@ss", "db.example", "5433", "hk"))
        sock = database_from_url("postgresql:///hk?host=/run/postgresql")
        self.assertEqual((sock["HOST"], sock["NAME"], sock["PORT"]),
                         ("/run/postgresql", "hk", ""))

    def test_bad_urls(self):
        for url in ("sqlite://rel.db", "oracle://x/y", "postgresql://h/"):
            with self.assertRaises(ValueError):
                database_from_url(url)


if __name__ == "__main__":
    unittest.main()
