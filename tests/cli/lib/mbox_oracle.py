#!/usr/bin/env python3
"""mbox_oracle.py BEFORE AFTER IDS_FILE -- independent check of a purge.

Splits BEFORE with a deliberately simple rule of its own (a line starting
"From " after an empty line, followed by a header line), removes every
message whose Message-ID is listed in IDS_FILE, and checks that AFTER is
exactly the rest, byte for byte.  Prints what it compared; exit 1 on any
difference.
"""
import re
import sys

SEP = re.compile(rb'^From .*\d\d:\d\d.*\d{4}\r?$', re.M)
HDR = re.compile(rb'^[!-9;-~]+:')
MID = re.compile(rb'^Message-ID:[ \t]*(?:\r?\n[ \t]+)?<([^>]*)>', re.I | re.M)


def split(data):
    starts = []
    for m in SEP.finditer(data):
        s = m.start()
        blank = s == 0 or data[max(0, s - 2):s] == b'\n\n' or data[max(0, s - 3):s] == b'\n\r\n'
        nxt = data[m.end() + 1:m.end() + 200]
        if blank and HDR.match(nxt):
            starts.append(s)
    pre = data[:starts[0]] if starts else data
    chunks = [data[a:b] for a, b in zip(starts, starts[1:] + [len(data)])]
    return pre, chunks


def message_id(chunk):
    head = chunk.split(b'\n\n', 1)[0]
    m = MID.search(head)
    return m.group(1).decode('utf-8', 'replace') if m else None


def main():
    before = open(sys.argv[1], 'rb').read()
    after = open(sys.argv[2], 'rb').read()
    ids = {l.strip().strip('<>') for l in open(sys.argv[3]) if l.strip()}
    pre, chunks = split(before)
    kept = [c for c in chunks if message_id(c) not in ids]
    removed = len(chunks) - len(kept)
    expect = pre + b''.join(kept)
    if expect != after:
        n = next((i for i in range(min(len(expect), len(after)))
                  if expect[i] != after[i]), min(len(expect), len(after)))
        print(f'DIFFERENT: first difference at byte {n} '
              f'(expected {len(expect)} bytes, got {len(after)})')
        return 1
    print(f'identical: {len(chunks)} messages before, {removed} removed, '
          f'{len(kept)} kept byte for byte')
    return 0


if __name__ == '__main__':
    sys.exit(main())
