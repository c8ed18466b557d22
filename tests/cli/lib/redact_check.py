#!/usr/bin/env python3
"""redact_check.py -- independent check of a redaction run, with Python's
own mail parser: every message still there (same count, same
Message-IDs, same MIME part count), the untouched ones byte-identical, and
no leaked value left in any form in any decoded part or header.

usage: redact_check.py BEFORE.mbox AFTER.mbox VALUES_FILE [IDS_FILE]
VALUES_FILE holds one leaked value per line (addresses or numbers).
With IDS_FILE (Message-IDs with angle brackets, one per line) the leaked
values are looked for only in those messages; every message is still
checked for count, Message-ID and MIME structure."""
import email
import email.policy
import mailbox
import re
import sys


def messages(path):
    box = mailbox.mbox(path, create=False)
    out = []
    for key in box.iterkeys():
        out.append(box.get_bytes(key))
    return out


def holds(text, value):
    """Does text hold value in any form, as a whole token (not inside a
    longer local part, such as a Message-ID in a patchwork URL)?"""
    if "@" not in value:    # numbers: also written without separators
        text = text + "\n" + re.sub(r"[ -]", "", text)
    return any(re.search(r"(?<![a-z0-9._%+-])" + re.escape(f) + r"(?![a-z0-9-])",
                         text) for f in forms(value))


def forms(value):
    v = value.lower()
    f = {v}
    if "@" in v:
        local, dom = v.split("@", 1)
        f |= {local + " at " + dom, local + "(at)" + dom, local + "&#64;" + dom,
              local + "%40" + dom, local + " at " + dom.replace(".", " dot ")}
    else:
        f.add(re.sub(r"[ -]", "", v))
    return f


# A Message-ID is not an address: these fields are never redacted.
ID_FIELDS = {"message-id", "in-reply-to", "references", "resent-message-id",
             "content-id"}


def text_of(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    chunks = []
    parts = 0
    for part in msg.walk():
        parts += 1
        for k, v in part.items():
            if k.lower() not in ID_FIELDS:
                chunks.append(str(v))
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True) or b""
        if part.get_content_maintype() in ("text", "message") or not payload:
            chunks.append(payload.decode("utf-8", "replace"))
    return "\n".join(chunks).lower(), parts


def main():
    before, after = messages(sys.argv[1]), messages(sys.argv[2])
    values = [l.strip() for l in open(sys.argv[3]) if l.strip()]
    only = ({l.strip() for l in open(sys.argv[4]) if l.strip()}
            if len(sys.argv) > 4 else None)
    bad = 0
    if len(before) != len(after):
        print("message count changed: %d -> %d" % (len(before), len(after)))
        return 1
    changed = 0
    for i, (b, a) in enumerate(zip(before, after)):
        tb, pb = text_of(b)
        ta, pa = text_of(a)
        if pb != pa:
            print("#%d: %d MIME parts became %d" % (i, pb, pa))
            bad += 1
        mb = email.message_from_bytes(b).get("Message-ID")
        ma = email.message_from_bytes(a).get("Message-ID")
        if mb != ma:
            print("#%d: Message-ID changed" % i)
            bad += 1
        if only is not None and (mb or "").strip() not in only:
            changed += b != a
            continue
        held = [v for v in values if holds(tb, v)]
        if b != a:
            changed += 1
        elif held:
            print("#%d: holds a leaked value and was not changed" % i)
            bad += 1
        for v in values:
            if holds(ta, v):
                print("#%d: a leaked value is still there (value %d)" %
                      (i, values.index(v)))
                bad += 1
    print("%d messages, %d redacted, %d problems" % (len(after), changed, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
