#!/usr/bin/env python3
"""forms.py -- one leaked address in every form in every encoding, and an
independent check that a redaction left none of them.

  forms.py make ADDR > MBOX     one message per (form, encoding), with
                                Message-ID <N.FORM-NAME.ENCODING@forms.test>
  forms.py count                how many messages make writes
  forms.py check BEFORE AFTER ADDR
                                same messages, same MIME structure, and
                                ADDR in no form in any decoded header or
                                part (HTML entities and %xx decoded too)

Forms: local@domain, "local at domain", "local(at)domain",
"local (at) domain", "local(a)domain", upper case.  Encodings: plain,
quoted-printable with "=40" and with a soft line break at every position
of the form, base64, RFC 2047 B and Q in the Subject, HTML with &#64;,
&#x40;, &commat; and %40 (mailto:), HTML in quoted-printable, and the
mbox From_ line.  Python's email package does all the decoding here."""
import base64
import email
import email.header
import email.policy
import html
import re
import sys
import urllib.parse

FROM_LINE = "From sender@example.net Mon Jan  5 10:00:00 2015\n"


def forms(addr):
    local, domain = addr.split("@")
    return [("at-sign", addr), ("munged-at", f"{local} at {domain}"),
            ("bracket-at", f"{local}(at){domain}"),
            ("spaced-bracket", f"{local} (at) {domain}"),
            ("bracket-a", f"{local}(a){domain}"),
            ("upper", addr.upper())]


def qp(text, escape_at=True):
    out = []
    for ch in text:
        if ch == "=" or (escape_at and ch == "@") or ch in "()":
            out.append("=%02X" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def message(mid, headers, body_headers, body, envelope=FROM_LINE):
    head = "".join(f"{k}: {v}\n" for k, v in headers)
    return (envelope + "From: Sender <sender@example.net>\n" + head +
            f"Message-ID: <{mid}>\n" + "".join(f"{k}: {v}\n"
                                              for k, v in body_headers) +
            "\n" + body + "\n\n")


def encodings(form):
    text = f"Please write to {form} today.\n"
    yield "plain", [("Subject", "plain")], [], text
    yield "qp", [("Subject", "qp")], [
        ("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=us-ascii"),
        ("Content-Transfer-Encoding", "quoted-printable")], qp(text)
    start = text.index(form)
    for k in range(1, len(form)):
        cut = start + k
        yield f"qp-soft-{k}", [("Subject", "qp soft break")], [
            ("MIME-Version", "1.0"), ("Content-Type", "text/plain"),
            ("Content-Transfer-Encoding", "quoted-printable")], \
            qp(text[:cut], False) + "=\n" + qp(text[cut:], False)
    yield "base64", [("Subject", "base64")], [
        ("MIME-Version", "1.0"), ("Content-Type", "text/plain; charset=utf-8"),
        ("Content-Transfer-Encoding", "base64")], \
        base64.encodebytes(text.encode()).decode()
    b = base64.b64encode(f"mail {form}".encode()).decode()
    yield "rfc2047-b", [("Subject", f"=?UTF-8?B?{b}?=")], [], "body\n"
    q = qp(f"mail {form}").replace(" ", "_")
    yield "rfc2047-q", [("Subject", f"=?UTF-8?Q?{q}?=")], [], "body\n"
    if "@" in form:
        local, domain = form.split("@")
        for name, sep in (("html-dec", "&#64;"), ("html-hex", "&#x40;"),
                          ("html-named", "&commat;")):
            yield name, [("Subject", name)], [
                ("MIME-Version", "1.0"), ("Content-Type", "text/html")], \
                f"<p>write to {local}{sep}{domain}</p>\n"
        yield "html-mailto", [("Subject", "mailto")], [
            ("MIME-Version", "1.0"), ("Content-Type", "text/html")], \
            f'<a href="mailto:{local}%40{domain}">write</a>\n'
    html_text = f"<p>write to {html.escape(form)}</p>\n"
    yield "html-qp", [("Subject", "html qp")], [
        ("MIME-Version", "1.0"), ("Content-Type", "text/html"),
        ("Content-Transfer-Encoding", "quoted-printable")], qp(html_text)


def make(addr):
    n = 0
    out = []
    for fname, form in forms(addr):
        for ename, headers, bh, body in encodings(form):
            out.append(message(f"{n}.{fname}.{ename}@forms.test", headers, bh,
                               body))
            n += 1
    local, domain = addr.split("@")
    out.append(message(f"{n}.envelope@forms.test", [("Subject", "envelope")],
                       [], "body\n",
                       f"From {addr} Mon Jan  5 10:00:00 2015\n"))
    out.append(message(f"{n + 1}.envelope-munged@forms.test",
                       [("Subject", "envelope")], [], "body\n",
                       f"From {local} at {domain}  Mon Jan  5 10:00:00 2015\n"))
    return "".join(out)


def split(data):
    parts = re.split(rb"(?m)^(?=From \S.* \d\d:\d\d:\d\d \d{4}\n[!-9;-~]+:)",
                     data)
    return [p for p in parts if p]


def readable(raw):
    """Every header decoded and every part decoded, as one text; HTML
    entities and %xx undone too."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    chunks = [raw.split(b"\n", 1)[0].decode("latin-1")]
    structure = []
    for part in msg.walk():
        structure.append(part.get_content_type())
        for k, v in part.items():
            if k.lower() in ("message-id", "in-reply-to", "references"):
                continue
            chunks.append(str(email.header.make_header(
                email.header.decode_header(v))))
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        text = payload.decode(part.get_content_charset() or "utf-8",
                              "replace")
        chunks.append(text)
        if part.get_content_type() == "text/html":
            chunks.append(html.unescape(text))
            chunks.append(urllib.parse.unquote(html.unescape(text)))
    return "\n".join(chunks), structure


def pattern(addr):
    local, domain = (re.escape(x) for x in addr.split("@"))
    return re.compile(local + r"\s*(?:@|\bat\b|\(at\)|\(a\))\s*" + domain,
                      re.I)


def check(before, after, addr):
    b = split(open(before, "rb").read())
    a = split(open(after, "rb").read())
    if len(a) != len(b):
        sys.exit(f"{len(b)} messages before, {len(a)} after")
    pat = pattern(addr)
    for i, (x, y) in enumerate(zip(b, a)):
        tx, sx = readable(x)
        ty, sy = readable(y)
        mid = re.search(rb"Message-ID: <([^>]*)>", x).group(1).decode()
        if sx != sy:
            sys.exit(f"{mid}: MIME structure changed {sx} -> {sy}")
        if not pat.search(tx):
            sys.exit(f"{mid}: the test message does not hold the form")
        if pat.search(ty):
            sys.exit(f"{mid}: still holds the address: "
                     f"{pat.search(ty).group(0)!r}")
    print(f"{len(a)} messages: every form in every encoding gone, "
          f"structure kept")


def main():
    cmd = sys.argv[1]
    if cmd == "make":
        sys.stdout.write(make(sys.argv[2]))
    elif cmd == "count":
        print(len(split(make("ann@example.org").encode())))
    elif cmd == "check":
        check(*sys.argv[2:5])
    else:
        sys.exit("forms.py: make ADDR | count | check BEFORE AFTER ADDR")


if __name__ == "__main__":
    main()
