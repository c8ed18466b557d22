#!/usr/bin/env python3
"""trust_check.py -- fixtures and independent checks for t3200-trust.

Written apart from listscrub's C code: its own mbox split (a From_ line
with an envelope date, followed by a header line, as Mailman's cleanarch
decides), Python's email package for everything inside a message.

  trust_check.py mass-cc N K           an mbox: one message, N To entries,
                                       entry K leak-K@example.org
  trust_check.py recipients BEFORE AFTER ADDR
                                       every To/Cc entry of BEFORE but ADDR
                                       is in AFTER, ADDR in no form
  trust_check.py noblank               an mbox whose separators follow an
                                       attachment footer, no empty line
  trust_check.py rfc822-envelopes      three messages with old envelopes
  trust_check.py nth-id FILE N         the Message-ID of message N (0-based)
  trust_check.py id-before-noblank FILE
                                       the Message-ID of the first message
                                       the next one follows with no empty
                                       line between
  trust_check.py cr-only BEFORE AFTER ADDR
                                       AFTER still has CR line ends only,
                                       the same header fields and parts,
                                       ADDR gone, the rest of the text kept
  trust_check.py csv-attachment ADDR    a message whose member list (a CSV
                                       holding ADDR) is an octet-stream,
                                       and a PNG beside it
  trust_check.py csv-redacted BEFORE AFTER ADDR
                                       ADDR out of the decoded CSV, every
                                       other line of it and the PNG kept
  trust_check.py deleted BEFORE AFTER ID...
                                       AFTER is BEFORE without the messages
                                       of these Message-IDs, byte for byte
  trust_check.py delivered EXPECT AFTER ID...
                                       AFTER is EXPECT byte for byte, then
                                       exactly the messages of these IDs
                                       (in any order), each once
"""
import base64
import email
import email.policy
import email.utils
import re
import sys

DOW = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
CTIME = re.compile(rb"^From .*? " + DOW.encode() + rb" +" + MON.encode() +
                   rb" +\d{1,2} +\d{1,2}:\d\d(:\d\d)?( +\S+){0,2} +\d{4}\b")
RFC822 = re.compile(rb"^From \S+ (" + DOW.encode() + rb", )?\d{1,2} " +
                    MON.encode() + rb" \d{4} \d{1,2}:\d\d")
FIELD = re.compile(rb"^[!-9;-~]+:")


def split(data):
    """(preamble, [message bytes]) by the cleanarch rule."""
    lines = data.split(b"\n")
    starts, pos = [], 0
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else b""
        if (line.startswith(b"From ") and
                (CTIME.match(line) or RFC822.match(line)) and
                FIELD.match(nxt)):
            starts.append(pos)
        pos += len(line) + 1
    if not starts:
        return data, []
    ends = starts[1:] + [len(data)]
    return data[:starts[0]], [data[a:b] for a, b in zip(starts, ends)]


def message_id(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    mid = msg.get("Message-ID", "")
    return re.sub(r"\s", "", mid).strip("<>")


def mass_cc(n, k):
    to = ",\n ".join(f"Person {i} <{'leak' if i == k else 'p'}-{i}@example.org>"
                     for i in range(n))
    sys.stdout.write("From sender@example.org Mon Jan  5 10:00:00 2015\n"
                     "From: Sender <sender@example.org>\n"
                     f"To: {to}\n"
                     "Subject: newsletter\n"
                     "Message-ID: <cc-1@example.org>\n\n"
                     "Hello all.\n")


def recipients(before, after, addr):
    b = split(open(before, "rb").read())[1][0]
    a = split(open(after, "rb").read())[1][0]
    get = lambda raw: [x.lower() for _, x in email.utils.getaddresses(
        email.message_from_bytes(raw, policy=email.policy.compat32)
        .get_all("To", []))]
    want = [x for x in get(b) if x != addr]
    got = get(a)
    if got != want:
        sys.exit(f"To: {len(got)} entries after, {len(want)} expected")
    if addr.encode() in a:
        sys.exit("the leaked address is still in the message")
    print(f"To keeps {len(got)} entries, the leaked one is gone")


NOBLANK = """From a@example.org Mon Jan  5 10:00:00 2015
From: a@example.org
Message-ID: <m1@example.org>
Content-Type: text/plain

one
-------------- next part --------------
A non-text attachment was scrubbed...
URL: http://example.org/attachments/20150105/aa/attachment.bin
From b@example.org Tue Jan  6 11:00:00 2015
From: b@example.org
Message-ID: <m2@example.org>

two
-------------- next part --------------
URL: http://example.org/attachments/20150106/bb/attachment.bin
From c@example.org Wed Jan  7 12:00:00 2015
From: c@example.org
Message-ID: <m3@example.org>

From what I see, from-line-body@example.org is right.
From here on we move.

From d@example.org Thu Jan  8 13:00:00 2015
From: d@example.org
Message-ID: <m4@example.org>

four
"""

RFC822_ENVELOPES = """From glyph@example.com Sun, 15 Aug 1999 02:37:17 -0400 (EDT)
Date: Sun, 15 Aug 1999 02:37:17 -0400
From: Glyph glyph@example.com
Subject: [Reality] one

text
From x@example.com 23 Aug 1999 03:15:23 GMT
Date: 23 Aug 1999 03:15:23 GMT
Subject: two

From here on nothing.
From y@example.com Mon, 6 Sep 1999 10:00 +0200
Date: Mon, 6 Sep 1999 10:00 +0200
Subject: three

end
"""


def cr_only(before, after, addr):
    b, a = open(before, "rb").read(), open(after, "rb").read()
    cr, lf = b"\r", b"\n"
    if lf in a or a.count(cr) != b.count(cr):
        sys.exit(f"line ends changed: {b.count(cr)} CRs before, "
                 f"{a.count(cr)} CRs and {a.count(lf)} LFs after")
    mb = email.message_from_bytes(b.replace(b"\r", b"\n"))
    ma = email.message_from_bytes(a.replace(b"\r", b"\n"))
    if [k for k, _ in mb.items()] != [k for k, _ in ma.items()]:
        sys.exit(f"header fields changed: {mb.keys()} -> {ma.keys()}")
    if addr.encode() in a:
        sys.exit("the address is still there")
    for k in ("From", "Subject", "Message-ID"):
        if mb[k] != ma[k]:
            sys.exit(f"{k} changed")
    if "carl@example.org" not in ma["To"] or b"see you." not in a:
        sys.exit("text that was not leaked is gone")
    print("CR line ends kept, same fields, the address gone, the rest kept")


PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAC"
    "hwGA60e6kgAAAABJRU5ErkJggg==")


def csv_attachment(addr):
    from email.mime.application import MIMEApplication
    from email.mime.image import MIMEImage
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText
    msg = MIMEMultipart()
    msg["From"] = "Treasurer <treasurer@example.net>"
    msg["To"] = "list@example.net"
    msg["Subject"] = "members"
    msg["Message-ID"] = "<csv@example.net>"
    msg.attach(MIMEText("The member list is attached.\n"))
    rows = "name,email\nCarl,carl@example.net\nAnn," + addr + "\nDora,dora@example.net\n"
    part = MIMEApplication(rows.encode(), "octet-stream")
    part.add_header("Content-Disposition", "attachment", filename="members.dat")
    msg.attach(part)
    msg.attach(MIMEImage(PNG, "png"))
    sys.stdout.write(msg.as_string())


def attachment_bytes(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [p.get_payload(decode=True) for p in msg.walk()
            if not p.is_multipart()]


def csv_redacted(before, after, addr):
    b = attachment_bytes(open(before, "rb").read())
    a = attachment_bytes(open(after, "rb").read())
    if len(a) != len(b):
        sys.exit(f"{len(b)} parts before, {len(a)} after")
    if addr.encode() in a[1] or addr.encode() not in b[1]:
        sys.exit("the address is still in the decoded attachment")
    if [l for l in b[1].splitlines() if addr.encode() not in l] != \
            [l for l in a[1].splitlines() if b"[redacted]" not in l]:
        sys.exit("other lines of the attachment changed")
    if a[2] != PNG or b[2] != PNG:
        sys.exit("the binary attachment changed")
    print("the CSV is redacted, its other lines and the PNG kept")


def deleted(before, after, ids):
    pre, msgs = split(open(before, "rb").read())
    kept = [m for m in msgs if message_id(m) not in ids]
    want = pre + b"".join(kept)
    got = open(after, "rb").read()
    if got != want:
        n = next((i for i in range(min(len(got), len(want)))
                  if got[i] != want[i]), min(len(got), len(want)))
        sys.exit(f"DIFFERENT at byte {n}: {len(msgs)} messages, "
                 f"{len(msgs) - len(kept)} to remove")
    print(f"{len(msgs)} messages, {len(msgs) - len(kept)} removed, "
          f"the rest byte for byte")


def delivered(expect, after, ids):
    want = open(expect, "rb").read()
    got = open(after, "rb").read()
    if not got.startswith(want):
        sys.exit("AFTER does not start with EXPECT: a kept message changed")
    pre, msgs = split(got[len(want):])
    found = sorted(message_id(m) for m in msgs)
    if pre or found != sorted(ids):
        sys.exit(f"delivered {sorted(ids)}, found after the purge {found}")
    print(f"{len(ids)} deliveries, each once, after the purged archive")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "mass-cc":
        mass_cc(int(args[0]), int(args[1]))
    elif cmd == "recipients":
        recipients(*args)
    elif cmd == "noblank":
        sys.stdout.write(NOBLANK)
    elif cmd == "rfc822-envelopes":
        sys.stdout.write(RFC822_ENVELOPES)
    elif cmd == "nth-id":
        print(message_id(split(open(args[0], "rb").read())[1][int(args[1])]))
    elif cmd == "id-before-noblank":
        msgs = split(open(args[0], "rb").read())[1]
        print(next(message_id(m) for m, n in zip(msgs, msgs[1:])
                   if not m.endswith(b"\n\n")))
    elif cmd == "cr-only":
        cr_only(*args)
    elif cmd == "csv-attachment":
        csv_attachment(args[0])
    elif cmd == "csv-redacted":
        csv_redacted(*args)
    elif cmd == "deleted":
        deleted(args[0], args[1], set(a.strip("<>") for a in args[2:]))
    elif cmd == "delivered":
        delivered(args[0], args[1], args[2:])
    else:
        sys.exit("trust_check.py: unknown command " + cmd)


if __name__ == "__main__":
    main()
