#!/usr/bin/env python3
"""mass_truth.py -- from a mkcorpus truth.json, the messages that disclose
an incident's addresses en masse, and the addresses that must leave them.

usage: mass_truth.py TRUTH.json IDS_OUT VALUES_OUT MBOX...
IDS_OUT: the Message-IDs of every message holding 10 or more leaked
addresses of one cc-leak or body-leak incident (from "occurrences").
VALUES_OUT: those incidents' leaked addresses, less the From addresses of
those messages (a poster's own address is not part of the disclosure)."""
import collections
import email.utils
import json
import mailbox
import sys

THRESHOLD = 10


def main():
    truth = json.load(open(sys.argv[1]))
    ids, values = set(), set()
    for inc in truth["incidents"]:
        if inc["kind"] not in ("cc-leak", "body-leak"):
            continue
        values |= {a.lower() for a in inc["leaked_addresses"]}
        per_msg = collections.Counter(
            m for msgs in inc["occurrences"].values() for m in set(msgs))
        ids |= {m for m, n in per_msg.items() if n >= THRESHOLD}
    senders = set()
    for path in sys.argv[4:]:
        for msg in mailbox.mbox(path, create=False):
            if msg["Message-ID"] in ids:
                senders.add(email.utils.parseaddr(msg["From"])[1].lower())
    with open(sys.argv[2], "w") as out:
        out.write("".join(m + "\n" for m in sorted(ids)))
    with open(sys.argv[3], "w") as out:
        out.write("".join(v + "\n" for v in sorted(values - senders)))
    return 0 if ids and values - senders else 1


if __name__ == "__main__":
    sys.exit(main())
