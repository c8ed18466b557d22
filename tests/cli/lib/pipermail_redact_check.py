#!/usr/bin/env python3
"""pipermail_redact_check.py -- an independent check of a redaction purge
of a Mailman 2 pipermail list folder (standard library only; nothing of
listscrub's own code).

  pipermail_redact_check.py --before DIR --after DIR --manifest FILE
                            --token TEXT [--token TEXT ...]

  * every file the manifest does not list is byte-identical (or, for a
    file listed as removed, gone); nothing appeared;
  * every page still parses (html.parser) and each volume keeps its pages;
  * each volume text keeps its messages (its own split, Mailman's rule),
    and VOL.txt.gz inflates to VOL.txt;
  * no token is readable in any file of the tree: raw, HTML entities
    decoded, URL-decoded, Mailman's "user at example.org", gzip inflated.
Prints one line and exits 0, or prints every failure and exits 1.
"""
import argparse
import gzip
import html
import html.parser
import json
import os
import re
import sys
import urllib.parse

SEPARATOR = re.compile(
    rb"^From (.+?)  (Mon|Tue|Wed|Thu|Fri|Sat|Sun) "
    rb"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d "
    rb"\d\d:\d\d:\d\d \d{4}$|^From \S+ ((Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?"
    rb"\d{1,2} \w{3} \d{4} \d\d:\d\d(:\d\d)?.*$")


def split_txt(data):
    """Messages of a volume text: a From_ line of Mailman's forms followed
    by 'From: ' or 'Date: ' starts one; no empty line needed before it."""
    lines = data.split(b"\n")
    starts, pos = [], 0
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else b""
        if SEPARATOR.match(line) and (nxt.startswith(b"From: ") or
                                      nxt.startswith(b"Date: ")):
            starts.append(pos)
        pos += len(line) + 1
    return [data[s:e] for s, e in zip(starts, starts[1:] + [len(data)])]


def files_of(root):
    out = {}
    for d, _, names in os.walk(root):
        for n in names:
            p = os.path.join(d, n)
            if os.path.islink(p):
                out[os.path.relpath(p, root)] = b"->" + os.readlink(p).encode()
            else:
                with open(p, "rb") as f:
                    out[os.path.relpath(p, root)] = f.read()
    return out


def readable(rel, data):
    """The texts a reader can get out of a file."""
    if rel.endswith(".gz"):
        try:
            data = gzip.decompress(data)
        except OSError:
            pass
    text = data.decode("latin-1")
    yield text
    unescaped = html.unescape(text)
    yield unescaped
    yield re.sub(r"<[^>]*>", "", unescaped)
    yield urllib.parse.unquote(unescaped)


def forms(token):
    t = token.lower()
    out = {t}
    if t.count("@") == 1:
        local, domain = t.split("@")
        out.add(f"{local} at {domain}")
    return out


class Parser(html.parser.HTMLParser):
    def error(self, message):  # pragma: no cover (old Pythons)
        raise ValueError(message)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--token", action="append", required=True)
    ap.add_argument("--root", help="the archive root the manifest's paths "
                    "are relative to (default: --after)")
    a = ap.parse_args()
    before, after = files_of(a.before), files_of(a.after)
    root = os.path.abspath(a.root or a.after)
    listed = {}
    for line in open(a.manifest):
        j = json.loads(line)
        if j.get("t") == "file":
            rel = os.path.relpath(os.path.join(root, j["path"]),
                                  os.path.abspath(a.after))
            listed[rel] = j
    bad = []
    for rel, data in before.items():
        if rel in listed:
            if listed[rel].get("after") is None and rel in after:
                bad.append(f"{rel}: listed as removed, still there")
            continue
        if after.get(rel) != data:
            bad.append(f"{rel}: not listed in the manifest, but changed")
    for rel in after:
        if rel not in before:
            bad.append(f"{rel}: appeared")
    for rel, data in after.items():
        if rel.endswith(".html") and not data.startswith(b"->"):
            try:
                p = Parser()
                p.feed(data.decode("latin-1"))
                p.close()
            except Exception as e:  # noqa: BLE001 (any parse failure)
                bad.append(f"{rel}: does not parse: {e}")
        if rel.endswith(".txt") and rel in before:
            n0, n1 = len(split_txt(before[rel])), len(split_txt(data))
            if n0 != n1:
                bad.append(f"{rel}: {n0} messages before, {n1} after")
            gz = after.get(rel + ".gz")
            if gz is not None and gzip.decompress(gz) != data:
                bad.append(f"{rel}.gz: does not inflate to {rel}")
        for token in a.token:
            for text in readable(rel, data):
                low = text.lower()
                if any(f in low for f in forms(token)):
                    bad.append(f"{rel}: still shows a redacted token")
                    break
    pages = {}
    for rel in before:
        if re.search(r"/\d{6,}\.html$", rel):
            pages.setdefault(os.path.dirname(rel), set()).add(rel)
    for vol, names in pages.items():
        if not all(n in after for n in names):
            bad.append(f"{vol}: lost pages")
    if bad:
        print("\n".join(sorted(set(bad))))
        return 1
    print(f"pipermail_redact_check: OK: {len(listed)} files changed as "
          f"listed, {len(before) - len(listed)} byte-identical, no token "
          f"readable in {len(after)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
