#!/usr/bin/env python3
"""pipermail_check.py -- an independent checker for a purge of a Mailman 2
pipermail archive tree (one list directory, archives/private/LIST).

    pipermail_check.py --before LISTDIR --after LISTDIR --removed-ids FILE
                       [--linkcheck] [--tombstone-text TEXT]

FILE holds the Message-IDs (without <>) of the messages that must be gone,
one per line.  Every check is made from the two trees alone, with the
Python standard library (and wget for --linkcheck); none of listscrub's
code is used.  Exit 0 and a one-line summary when every check passes, else
every failure on a line of its own (with the file it is about) and exit 1.
Exit 2 on a usage error.

The removed messages are found by the Message-ID: line of the .txt and,
for pre-2.0 volumes whose .txt has none, by the article records of
database/VOL-article; the k-th .txt message of a volume is its k-th page.

What is checked:
  txt        VOL.txt and VOL.txt.gz, split by pipermail's own From_ rule
             (a From_ line of either synthetic format followed by From: or
             Date:): the removed messages are gone, every other one is
             byte-identical and in order; the .gz decompresses to the .txt
             when it did
  files      every file is still there (pages keep their names: URLs stay)
             and byte-identical, except the files a purge must change:
             tombstones, neighbour pages, the 4 index pages and database/
             files of the volumes that lost messages, their .txt(.gz), the
             TOC; the removed messages' attachments/*/HEX8/ are gone; no
             file is new
  html       every changed page parses (html.parser); tags balance as before
             (tombstones: fully); <UL> = </UL> in index pages
  tombstone  no subject, author, date, body line or mailto: of the removed
             pages; the beginarticle/endarticle markers; --tombstone-text
  index      exactly the removed entries (and their thread.html comment)
             go; "Messages:" drops by that many; Starting/Ending/Last
             message date move only when the first/last message went, and
             then to the new first/last database date in the page's time
  neighbours no kept page links a removed one; Next from the first
             thread.html entry visits the kept pages in the old order, and
             Previous mirrors it; a neighbour changed only in those links,
             whose texts are the targets' subjects
  gone       removed body lines (30+ chars, in no kept message or kept
             file) and the removed Message-IDs (raw or %-quoted) are in no
             file, except kept messages' In-Reply-To/References, kept pages'
             mailto In-Reply-To=, thread keys and kept database records
  database   database/VOL-*: exactly the removed messages' records dropped,
             still in the marshal subset Mailman's Python 2 reads
  toc        LIST/index.html: the size label of a changed volume is
             Mailman's sizeof() of the file it links; other rows unchanged
  links      relative links of changed pages resolve; with --linkcheck, a
             wget --spider crawl of both trees (served by python3 -m
             http.server, the tombstones as extra start URLs): no broken
             internal link that the before tree did not have
Notes (gzip header or mtime changes, quotes kept as they were) are printed
with -v or with the failures; they do not fail the check.

Helper modes used by t5000-pipermail.sh:
  pipermail_check.py --pick-thread LISTDIR [--min N] [--max N]
      print "MESSAGE-ID VOL/NNNNNN.html" for each message of the smallest
      conversation (In-Reply-To/References) that spans two or more volumes
      (preferring one with attachments, then the oldest)
  pipermail_check.py --msgid-of LISTDIR VOL/NNNNNN.html
      print the Message-ID of a page (from the .txt, else from database/)
"""

import argparse
import bisect
import calendar
import gzip
import hashlib
import html
import html.parser
import marshal
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

# ---------------------------------------------------------------------------
# the .txt split (pipermail's own appended as_text(); see the format notes
# 5.5): a separator is a From_ line in one of the two synthetic formats,
# followed by a "From: " (2.x) or "Date: " (pre-2.0) header line.

DOW = rb'(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'
MON = rb'(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
SEP_2X = re.compile(rb'From (.+?)  ' + DOW + rb' ' + MON +
                    rb' [ \d]\d \d\d:\d\d:\d\d \d{4}\Z')
SEP_OLD = re.compile(rb'From (\S+) (?:' + DOW + rb', )?\d{1,2} ' + MON +
                     rb' \d{4} \d\d:\d\d(?::\d\d)?.*\Z')


def split_txt(data):
    """Split a pipermail VOL.txt into (preamble, [message bytes]).  Message k
    runs from its separator line up to the next separator or the end; the
    preamble is whatever precedes the first separator (normally empty)."""
    starts = []
    lines = data.split(b'\n')
    off = 0
    offs = []
    for line in lines:
        offs.append(off)
        off += len(line) + 1
    for i, line in enumerate(lines):
        if not line.startswith(b'From '):
            continue
        if not (SEP_2X.match(line) or SEP_OLD.match(line)):
            continue
        if i + 1 < len(lines) and (lines[i + 1].startswith(b'From: ') or
                                   lines[i + 1].startswith(b'Date: ')):
            starts.append(offs[i])
    if not starts:
        return data, []
    msgs = [data[s:e] for s, e in zip(starts, starts[1:] + [len(data)])]
    return data[:starts[0]], msgs


def txt_headers(msg):
    """The header fields of one split .txt message: a list of
    (lower-case name, raw value with its folding, start, end) where
    start/end are the byte offsets of the whole field in msg."""
    out = []
    pos = msg.find(b'\n') + 1          # skip the From_ line
    cur = None
    while pos < len(msg):
        end = msg.find(b'\n', pos)
        end = len(msg) if end < 0 else end + 1
        line = msg[pos:end]
        if line in (b'\n', b''):
            break
        if line[:1] in (b' ', b'\t') and cur is not None:
            cur[3] = end
        else:
            if cur is not None:
                out.append(tuple(cur))
            name, _, _ = line.partition(b':')
            cur = [name.strip().lower(), None, pos, end]
        pos = end
    if cur is not None:
        out.append(tuple(cur))
    res = []
    for name, _, s, e in out:
        field = msg[s:e]
        value = field.partition(b':')[2].lstrip(b' \t')
        if value.endswith(b'\n'):
            value = value[:-1]
        res.append((name, value, s, e))
    return res


def txt_body(msg):
    i = msg.find(b'\n\n')
    return b'' if i < 0 else msg[i + 2:]


def norm_id(value):
    """A Message-ID header value (bytes or str) -> the id without <>."""
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'surrogateescape')
    m = re.search(r'<([^>]*)>', value)
    v = m.group(1) if m else value
    return ' '.join(v.split()) if '\n' in v else v.strip()


def txt_msgid(msg):
    for name, value, _, _ in txt_headers(msg):
        if name == b'message-id':
            return value
    return None


def ids_in(value):
    if isinstance(value, bytes):
        value = value.decode('utf-8', 'surrogateescape')
    return [x.strip() for x in re.findall(r'<([^<>]+)>', value)]


def hex8(raw_msgid_value):
    h = hashlib.sha1(raw_msgid_value).hexdigest()
    return h[:4] + h[-4:]


# ---------------------------------------------------------------------------
# HTML helpers

TAG = re.compile(r'<[^>]*>', re.S)
PAGE_RE = re.compile(r'\d{6,}\.html\Z')
INDEX_PAGES = ('thread.html', 'date.html', 'subject.html', 'author.html')


def dec(b):
    """bytes -> str, 1:1 (latin-1), so that a str edit can be compared
    byte for byte."""
    return b.decode('latin-1')


def text_of(s):
    """HTML -> text: tags stripped, entities decoded."""
    return html.unescape(TAG.sub('', s))


def norm(s):
    return ' '.join(text_of(s).split())


def fix_text(s):
    """A str made by dec() with entities decoded -> the text as the page
    means it: latin-1 chars that came from UTF-8 bytes are put together."""
    try:
        return s.encode('latin-1').decode('utf-8')
    except (UnicodeEncodeError, UnicodeDecodeError):
        return s


def core_subject(subj):
    """A subject without its list prefix and Re:/Fwd: markers (empty when
    too short to be told from boilerplate)."""
    c = re.sub(r'^(?:\s*(?:\[[^\]]*\]|(?:re|aw|sv|vs|fwd?)\s*:))+\s*', '', subj, flags=re.I)
    return c if len(c) >= 6 and c != subj else ''


def first(rx, s, flags=re.S | re.I):
    m = re.search(rx, s, flags)
    return m.group(1) if m else None


class Page:
    """The parts of a message page the checks need (str from dec())."""

    def __init__(self, raw):
        self.raw = raw
        s = dec(raw)
        self.s = s
        self.title = first(r'<TITLE>(.*?)</TITLE>', s)
        self.h1 = first(r'<H1>(.*?)</H1>', s)
        h1end = s.find('</H1>')
        rest = s[h1end:] if h1end >= 0 else s
        m = re.match(r'\s*<B>(.*?)</B>', rest[5:], re.S | re.I)
        self.author = m.group(1) if m and h1end >= 0 else None
        self.date = first(r'<BR>\s*<I>(.*?)</I>', rest)
        b = s.find('<!--beginarticle-->')
        e = s.find('<!--endarticle-->')
        self.body = s[b + 19:e] if 0 <= b < e else None
        self.prev = first(r'<LINK REL="Previous"\s+HREF="([^"]*)"', s)
        self.next = first(r'<LINK REL="Next"\s+HREF="([^"]*)"', s)
        self.nav = re.findall(
            r'<LI>\s*(Previous|Next) message[^:<]*:\s*<A HREF="([^"]*)">(.*?)</A>',
            s, re.S | re.I)

    def subject(self):
        return norm(self.h1 if self.h1 is not None else (self.title or ''))


NAV_LINK = re.compile(r'<LINK REL="(?:Previous|Next)"\s+HREF="[^"]*"\s*>', re.I)
NAV_LI = re.compile(
    r'<LI>\s*(?:Previous|Next) message[^:<]*:\s*<A HREF="[^"]*">.*?</A></li>',
    re.S | re.I)


def without_nav(s):
    return ' '.join(NAV_LI.sub('', NAV_LINK.sub('', s)).split())


class TagCounter(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.opened = {}
        self.closed = {}

    def handle_starttag(self, tag, attrs):
        self.opened[tag] = self.opened.get(tag, 0) + 1

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        self.closed[tag] = self.closed.get(tag, 0) + 1

    def balance(self, tag):
        return self.opened.get(tag, 0) - self.closed.get(tag, 0)


def tag_balance(raw):
    p = TagCounter()
    p.feed(dec(raw))
    p.close()
    return p


# The index entries (notes 6.2/6.4): I1 "<LI> <A HREF=..>..</I>\n", I2/I3
# "<LI><A HREF=..>..</A><A NAME=..>&nbsp;</A>\n<I>..</I>\n[\n]"; in
# thread.html each entry is preceded by its "<!--D KEY -->" line.
ENTRY = re.compile(
    r'(?:<!--\d+ [^\n]*? -->\n)?<LI>\s?<A HREF="(\d+\.html)">.*?</I>\n\n?', re.S)
THREAD_COMMENT = re.compile(r'<!--\d+ [^\n]*? -->')
MESSAGES_N = re.compile(r'(<b>Messages:</b>\s*)(\d+)', re.I)
STARTING = re.compile(r'(<b>Starting:</b>\s*<i>)(.*?)(</i>)', re.I | re.S)
ENDING = re.compile(r'(<b>Ending:</b>\s*<i>)(.*?)(</i>)', re.I | re.S)
LASTDATE = re.compile(r'(<b>Last message date:</b></a>\s*<i>)(.*?)(</i>)',
                      re.I | re.S)


def entries(s):
    """[(href, start, end)] of the entries of an index page."""
    return [(m.group(1), m.start(), m.end()) for m in ENTRY.finditer(s)]


def ul_counts(s):
    return (len(re.findall(r'<ul\b', s, re.I)), len(re.findall(r'</ul\s*>', s, re.I)))


def sizeof(n):
    if n < 1000:
        return '%i bytes' % n
    if n < 1000000:
        return '%d KB' % (n // 1000)
    return '%d MB' % (n // 1000000)


TOC_ROW = re.compile(r'<tr>\s*<td>[^<]*</td>\s*<td>\s*<A href="([^"/]+)/thread\.html">'
                     r'.*?</td>\s*<td>(.*?)</td>\s*</tr>', re.S)
TOC_CELL = re.compile(r'<A href="([^"]+)">\[ (Gzip\'d Text|Text) (\d+ (?:bytes|KB|MB)) \]</a>\Z')


# ---------------------------------------------------------------------------
# database/VOL-* (marshal dicts; article values are protocol-0 pickles, read
# as text only, never unpickled)

PICKLE_FILENAME = re.compile(rb"S'filename'\n(?:p\d+\n)?S'(\d+\.html)'")
PICKLE_DATE = re.compile(rb"S'date'\n(?:p\d+\n)?S'(\d+)'")


def as_bytes(x):
    if isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode('utf-8', 'surrogateescape')
    return repr(x).encode()


def db_entry_date(key):
    """The date component of a date/author/subject index key."""
    if isinstance(key, tuple):
        return as_bytes(key[-2]) if len(key) >= 2 else None
    k = as_bytes(key)
    if b'\0' in k:
        return k.rsplit(b'\0', 1)[1]
    return k


# ---------------------------------------------------------------------------
# the trees

class Tree:
    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.files = {}      # rel -> 'f' or ('l', target)
        self.cache = {}
        for dirpath, dirnames, filenames in os.walk(self.root):
            for d in list(dirnames):
                p = os.path.join(dirpath, d)
                if os.path.islink(p):
                    self.files[os.path.relpath(p, self.root)] = ('l', os.readlink(p))
            for f in filenames:
                p = os.path.join(dirpath, f)
                rel = os.path.relpath(p, self.root)
                self.files[rel] = ('l', os.readlink(p)) if os.path.islink(p) else 'f'
        self.volumes = sorted(
            {r.split('/')[0] for r in self.files if '/' in r and
             PAGE_RE.match(r.split('/')[-1]) and r.count('/') == 1} |
            {r[:-4] for r in self.files if r.endswith('.txt') and '/' not in r} |
            {r[:-7] for r in self.files if r.endswith('.txt.gz') and '/' not in r})
        self._gz = {}
        self._split = {}
        self._pages = {}
        for r in self.files:
            parts = r.split('/')
            if len(parts) == 2 and PAGE_RE.match(parts[1]):
                self._pages.setdefault(parts[0], []).append(parts[1])
        for ps in self._pages.values():
            ps.sort(key=lambda p: int(p[:-5]))

    def has(self, rel):
        return rel in self.files

    def read(self, rel):
        if rel not in self.cache:
            kind = self.files.get(rel)
            if isinstance(kind, tuple):
                self.cache[rel] = ('symlink -> ' + kind[1]).encode()
            else:
                with open(os.path.join(self.root, rel), 'rb') as f:
                    self.cache[rel] = f.read()
        return self.cache[rel]

    def gunzip(self, rel):
        """(bytes, None) or (None, error)."""
        if rel not in self._gz:
            try:
                self._gz[rel] = (gzip.decompress(self.read(rel)), None)
            except Exception as e:          # noqa: BLE001 -- any damage
                self._gz[rel] = (None, '%s: %s' % (type(e).__name__, e))
        return self._gz[rel]

    def pages(self, vol):
        return list(self._pages.get(vol, ()))

    def text(self, vol, kind):
        """Split messages of VOL.txt (kind 'txt') or VOL.txt.gz ('gz'),
        or None when the file is absent or unreadable."""
        key = (vol, kind)
        if key not in self._split:
            rel = vol + ('.txt' if kind == 'txt' else '.txt.gz')
            if not self.has(rel):
                self._split[key] = None
            elif kind == 'txt':
                self._split[key] = split_txt(self.read(rel))
            else:
                data, err = self.gunzip(rel)
                self._split[key] = None if data is None else split_txt(data)
        return self._split[key]

    def volume_text(self, vol):
        """The split text used to pair with pages: .txt, else .txt.gz."""
        t = self.text(vol, 'txt')
        return t if t is not None else self.text(vol, 'gz')

    def db(self, vol, kind):
        rel = 'database/%s-%s' % (vol, kind)
        if not self.has(rel):
            return None, None
        try:
            return marshal.loads(self.read(rel)), None
        except Exception as e:              # noqa: BLE001
            return None, '%s: %s' % (type(e).__name__, e)


# ---------------------------------------------------------------------------

class Checker:
    def __init__(self, before, after, ids, tombstone_text=None):
        self.b = Tree(before)
        self.a = Tree(after)
        self.ids = ids
        self.tombstone_text = tombstone_text
        self.failures = []
        self.notes = []
        self.stats = {}

    def fail(self, where, what):
        line = 'FAIL %s: %s' % (where, what)
        if line not in self.failures:
            self.failures.append(line)

    def note(self, where, what):
        self.notes.append('note %s: %s' % (where, what))

    # -- which pages and messages are removed ---------------------------------

    def plan(self):
        b = self.b
        self.removed = {}        # vol -> set of page names
        self.removed_msgs = {}   # vol -> set of message indexes
        self.page_msgid = {}     # (vol, page) -> raw Message-ID value or None
        self.db_owner = {}       # (vol, page) -> (msgid bytes, date bytes)
        self.pair_ok = {}
        found = set()
        idset = set(self.ids)
        for vol in b.volumes:
            pages = b.pages(vol)
            t = b.volume_text(vol)
            msgs = t[1] if t else []
            if t is None and pages:
                self.fail(vol, 'before: no readable %s.txt or %s.txt.gz to pair the pages with' % (vol, vol))
            ok = len(msgs) == len(pages)
            self.pair_ok[vol] = ok
            if not ok and t is not None:
                self.fail(vol, 'before: %d .txt messages but %d pages; they cannot be paired'
                          % (len(msgs), len(pages)))
            rem = set()
            for k, page in enumerate(pages):
                mid = txt_msgid(msgs[k]) if ok else None
                self.page_msgid[(vol, page)] = mid
                if mid is not None and norm_id(mid) in idset:
                    rem.add(page)
                    found.add(norm_id(mid))
            art, err = b.db(vol, 'article')
            if err:
                self.fail('database/%s-article' % vol, 'before: cannot be read: ' + err)
            for key, val in (art or {}).items():
                m = PICKLE_FILENAME.search(as_bytes(val))
                if not m:
                    continue
                page = m.group(1).decode()
                d = PICKLE_DATE.search(as_bytes(val))
                self.db_owner[(vol, page)] = (as_bytes(key), d.group(1) if d else None)
                kid = as_bytes(key).decode('utf-8', 'surrogateescape')
                if kid in idset and page in pages:
                    rem.add(page)
                    found.add(kid)
            if rem:
                self.removed[vol] = rem
                self.removed_msgs[vol] = {k for k, p in enumerate(pages) if p in rem}
                if not ok:
                    self.fail(vol, 'cannot tell which .txt messages are the removed pages')
        for i in self.ids:
            if i not in found:
                self.fail('--removed-ids', 'Message-ID <%s> is in no message of the before tree' % i)
        self.removed_ids = {}    # (vol, page) -> id (str) used for it
        for vol, rem in self.removed.items():
            for page in rem:
                mid = self.page_msgid.get((vol, page))
                own = self.db_owner.get((vol, page))
                if mid is not None:
                    self.removed_ids[(vol, page)] = norm_id(mid)
                elif own is not None:
                    self.removed_ids[(vol, page)] = own[0].decode('utf-8', 'surrogateescape')
        self.changed_vols = set(self.removed)
        # neighbours: pages whose prev/next pointed at a removed page
        self.neighbours = {}
        for vol, rem in self.removed.items():
            nb = set()
            for page in b.pages(vol):
                if page in rem:
                    continue
                p = self.bpage(vol, page)
                if p.prev in rem or p.next in rem:
                    nb.add(page)
            self.neighbours[vol] = nb
        # attachments of the removed messages: attachments/*/HEX8/
        self.att_dirs = set()
        kept_hex = set()
        for (vol, page), mid in self.page_msgid.items():
            if mid is None:
                continue
            h = {hex8(mid)}
            if b'\n' in mid:
                h.add(hex8(b' '.join(mid.split())))
            if page in self.removed.get(vol, ()):
                self.att_dirs |= h
            else:
                kept_hex |= h
        for (vol, page), mid in self.removed_ids.items():
            if self.page_msgid.get((vol, page)) is None:
                self.att_dirs.add(hex8(('<%s>' % mid).encode('utf-8', 'surrogateescape')))
        self.att_shared = self.att_dirs & kept_hex
        if self.att_shared:
            self.note('attachments', 'hash directories shared with kept messages (not required to go): %s'
                      % ' '.join(sorted(self.att_shared)))

    _bp = None

    def bpage(self, vol, page):
        if self._bp is None:
            self._bp = {}
        k = (vol, page)
        if k not in self._bp:
            self._bp[k] = Page(self.b.read('%s/%s' % k))
        return self._bp[k]

    def apage(self, vol, page):
        return Page(self.a.read('%s/%s' % (vol, page)))

    def is_removed_attachment(self, rel):
        parts = rel.split('/')
        return (len(parts) >= 4 and parts[0] == 'attachments' and
                parts[2] in self.att_dirs)

    # -- 3. files -------------------------------------------------------------

    def classify(self, rel):
        parts = rel.split('/')
        if rel == 'index.html':
            return 'toc'
        if len(parts) == 2 and parts[0] in self.changed_vols:
            vol, name = parts
            if name in self.removed[vol]:
                return 'tombstone'
            if name in self.neighbours[vol]:
                return 'neighbour'
            if name in INDEX_PAGES:
                return 'index'
        if len(parts) == 1:
            for vol in self.changed_vols:
                if rel in (vol + '.txt', vol + '.txt.gz'):
                    return 'text'
        if len(parts) == 2 and parts[0] == 'database':
            for vol in self.changed_vols:
                if parts[1] in ['%s-%s' % (vol, k) for k in
                                ('article', 'author', 'date', 'subject', 'thread')]:
                    return 'db'
        if self.is_removed_attachment(rel):
            return 'removed-attachment'
        return 'fixed'

    def check_files(self):
        b, a = self.b, self.a
        self.changed = set()
        n_same = 0
        for rel in sorted(b.files):
            cls = self.classify(rel)
            if cls == 'removed-attachment':
                if a.has(rel) and rel.split('/')[2] not in self.att_shared:
                    self.fail(rel, 'an attachment of a removed message is still there')
                continue
            if not a.has(rel):
                self.fail(rel, 'is gone (every file but the removed messages\' attachments must stay%s)'
                          % ('; a removed page must become a tombstone, not vanish'
                             if cls == 'tombstone' else ''))
                continue
            if b.files[rel] != a.files[rel]:
                self.fail(rel, 'was %s, is now %s' % (
                    'a symbolic link' if isinstance(b.files[rel], tuple) else 'a file',
                    'a symbolic link' if isinstance(a.files[rel], tuple) else 'a file'))
                continue
            same = b.read(rel) == a.read(rel)
            if same:
                n_same += 1
                if cls == 'tombstone':
                    self.fail(rel, 'the removed message\'s page is unchanged (no tombstone)')
                continue
            self.changed.add(rel)
            if cls == 'fixed':
                self.fail(rel, 'changed, but it is not a file the purge had to change')
        for rel in sorted(a.files):
            if not b.has(rel):
                self.fail(rel, 'is new in the after tree')
        self.stats['files'] = len(b.files)
        self.stats['unchanged'] = n_same

    # -- 1. .txt / .txt.gz --------------------------------------------------------

    def check_txt(self):
        b, a = self.b, self.a
        for vol in sorted(b.volumes):
            rem_idx = self.removed_msgs.get(vol, set())
            rem_ids = {self.removed_ids[(vol, p)] for p in self.removed.get(vol, ())
                       if (vol, p) in self.removed_ids}
            for kind, rel in (('txt', vol + '.txt'), ('gz', vol + '.txt.gz')):
                if not b.has(rel) or not a.has(rel):
                    continue     # absence is reported by check_files
                if kind == 'gz':
                    data, err = a.gunzip(rel)
                    if err:
                        self.fail(rel, 'after: does not decompress: ' + err)
                        continue
                bt, at = b.text(vol, kind), a.text(vol, kind)
                if bt is None:
                    continue
                bpre, bmsgs = bt
                apre, amsgs = at
                if vol not in self.changed_vols:
                    continue     # byte identity is checked by check_files
                # which messages of this file are the removed ones: by index
                # when it pairs with the pages, and by Message-ID in any case
                pages = b.pages(vol)
                idx = set(rem_idx) if len(bmsgs) == len(pages) else set()
                for k, m in enumerate(bmsgs):
                    mid = txt_msgid(m)
                    if mid is not None and norm_id(mid) in rem_ids:
                        idx.add(k)
                if len(bmsgs) != len(pages):
                    self.fail(rel, 'before: %d messages for %d pages' % (len(bmsgs), len(pages)))
                expect = [m for k, m in enumerate(bmsgs) if k not in idx]
                if apre != bpre:
                    self.fail(rel, 'the text before the first message changed')
                gone = [bmsgs[k] for k in sorted(idx)]
                for k in sorted(idx):
                    if bmsgs[k] in amsgs:
                        self.fail(rel, 'removed message %d (%s) is still there' %
                                  (k + 1, self.msg_label(bmsgs[k], vol, k)))
                for m in amsgs:
                    mid = txt_msgid(m)
                    if mid is not None and norm_id(mid) in rem_ids and m not in gone:
                        self.fail(rel, 'a message with removed Message-ID <%s> is there' % norm_id(mid))
                if amsgs != expect:
                    self.fail(rel, 'the kept messages are not byte-identical and in order: %s'
                              % self.first_diff(expect, amsgs))
            # the .gz is the .txt when it was before
            if b.has(vol + '.txt') and b.has(vol + '.txt.gz'):
                bg, _ = b.gunzip(vol + '.txt.gz')
                if bg is not None and bg == b.read(vol + '.txt') and \
                        a.has(vol + '.txt') and a.has(vol + '.txt.gz'):
                    ag, err = a.gunzip(vol + '.txt.gz')
                    if ag is not None and ag != a.read(vol + '.txt'):
                        self.fail(vol + '.txt.gz', 'does not decompress to %s.txt any more' % vol)
            if vol in self.changed_vols and b.has(vol + '.txt.gz') and a.has(vol + '.txt.gz'):
                bh, ah = gz_header(b.read(vol + '.txt.gz')), gz_header(a.read(vol + '.txt.gz'))
                if bh and ah and (bh[0] != ah[0] or bh[1] != ah[1]):
                    self.note(vol + '.txt.gz', 'gzip header FNAME/OS changed (%r -> %r)' % (bh, ah))
                if a.has(vol + '.txt'):
                    mt = os.stat(os.path.join(a.root, vol + '.txt')).st_mtime
                    mg = os.stat(os.path.join(a.root, vol + '.txt.gz')).st_mtime
                    if mg < mt:
                        self.note(vol + '.txt.gz', 'older than %s.txt: cron/nightly_gzip will rewrite it' % vol)

    def msg_label(self, m, vol, k):
        mid = txt_msgid(m)
        return '<%s>' % norm_id(mid) if mid else 'message %d of %s' % (k + 1, vol)

    @staticmethod
    def first_diff(exp, got):
        for i, (x, y) in enumerate(zip(exp, got)):
            if x != y:
                return 'message %d differs (expected %r..., found %r...)' % (i + 1, x[:60], y[:60])
        return 'expected %d messages, found %d' % (len(exp), len(got))

    # -- 4. html parses, tags balance ----------------------------------------------

    BALANCED = ('ul', 'pre', 'a', 'h1', 'title', 'head', 'body', 'html', 'b')

    def check_html(self):
        for rel in sorted(self.changed):
            if not rel.endswith('.html'):
                continue
            cls = self.classify(rel)
            try:
                pa = tag_balance(self.a.read(rel))
            except Exception as e:          # noqa: BLE001
                self.fail(rel, 'html.parser fails on it: %s: %s' % (type(e).__name__, e))
                continue
            try:
                pb = tag_balance(self.b.read(rel))
            except Exception:               # noqa: BLE001
                pb = None
            for tag in self.BALANCED:
                # a tombstone is a page of its own: balanced; any other page
                # keeps the balance it had (Mailman's own pages may not be)
                want = 0 if cls == 'tombstone' or pb is None else pb.balance(tag)
                if pa.balance(tag) != want:
                    self.fail(rel, '<%s> opened %d times, closed %d times (before: %s)' % (
                        tag, pa.opened.get(tag, 0), pa.closed.get(tag, 0),
                        'balance %d' % pb.balance(tag) if pb else 'unparsed'))
            if cls == 'index':
                ob, cb = ul_counts(dec(self.b.read(rel)))
                oa, ca = ul_counts(dec(self.a.read(rel)))
                if ob == cb and oa != ca:
                    self.fail(rel, '%d <UL> but %d </UL>' % (oa, ca))

    # -- 5. tombstones ---------------------------------------------------------------

    def kept_pages_text(self):
        """The text of every kept page's body, before (for 'occurs in a kept
        page' decisions); built on first use."""
        if getattr(self, '_kpt', None) is None:
            parts = []
            for vol in self.b.volumes:
                rem = self.removed.get(vol, set())
                for page in self.b.pages(vol):
                    if page in rem:
                        continue
                    p = self.bpage(vol, page)
                    if p.body is not None:
                        parts.append(fix_text(text_of(p.body)))
                    parts.append(norm(p.s))
            self._kpt = '\n'.join(parts)
            self._kpt_norm = ' '.join(self._kpt.split())
        return self._kpt

    def in_kept_pages(self, line):
        self.kept_pages_text()
        return line in self._kpt or ' '.join(line.split()) in self._kpt_norm

    def check_tombstones(self):
        for vol, rem in sorted(self.removed.items()):
            forbidden = []     # (what, text)
            bodylines = []
            for page in sorted(rem):
                p = self.bpage(vol, page)
                for what, v in (('subject', p.subject()), ('subject', core_subject(p.subject())),
                                ('author', norm(p.author or '')), ('date', norm(p.date or ''))):
                    if len(v) >= 3 and (what + ' of ' + page, fix_text(v)) not in forbidden:
                        forbidden.append((what + ' of ' + page, fix_text(v)))
                if p.body is not None:
                    for line in fix_text(text_of(p.body)).split('\n'):
                        line = line.strip()
                        if len(line) >= 20:
                            bodylines.append((page, line))
            subjects = [t for w, t in forbidden if w.startswith('subject')]
            for page in sorted(rem):
                rel = '%s/%s' % (vol, page)
                if not self.a.has(rel):
                    continue
                t = self.apage(vol, page)
                s = t.s
                if '<!--beginarticle-->' not in s or '<!--endarticle-->' not in s:
                    self.fail(rel, 'tombstone lacks the <!--beginarticle--> / <!--endarticle--> markers')
                if 'mailto:' in s.lower():
                    self.fail(rel, 'tombstone still has a mailto: link')
                for part, v in (('TITLE', t.title), ('H1', t.h1)):
                    v = fix_text(norm(v or ''))
                    for subj in subjects:
                        if subj and subj in v:
                            self.fail(rel, 'tombstone %s still holds a removed subject: %r' % (part, subj))
                # the links to kept neighbours carry their (public) subjects;
                # take them out before looking for removed data
                def keep_link(m):
                    target = m.group(1)
                    if target in rem or not self.b.has('%s/%s' % (vol, target)):
                        return m.group(0)
                    if norm(m.group(2)) == self.bpage(vol, target).subject():
                        return ' '
                    return m.group(0)
                reduced = re.sub(r'<A HREF="(\d+\.html)">(.*?)</A>', keep_link, s, flags=re.S | re.I)
                rtext = fix_text(norm(reduced))
                for what, v in forbidden:
                    if re.search(r'(?<!\w)' + re.escape(v) + r'(?!\w)', rtext):
                        self.fail(rel, 'tombstone still shows the %s: %r' % (what, v))
                ttext = fix_text(text_of(s))
                tnorm = ' '.join(ttext.split())
                for src, line in bodylines:
                    if line in ttext or ' '.join(line.split()) in tnorm:
                        if not self.in_kept_pages(line):
                            self.fail(rel, 'tombstone still holds body text of %s: %r' % (src, line[:80]))
                if self.tombstone_text is not None:
                    tt = self.tombstone_text
                    if tt not in s and ' '.join(tt.split()) not in tnorm:
                        self.fail(rel, 'the tombstone text %r is not in it' % tt)

    # -- 6. index pages -----------------------------------------------------------------

    def check_indexes(self):
        for vol, rem in sorted(self.removed.items()):
            bdate = dec(self.b.read(vol + '/date.html')) if self.b.has(vol + '/date.html') else ''
            dents = entries(bdate)
            n_removed = sum(1 for h, _, _ in dents if h in rem)
            first_gone = bool(dents) and dents[0][0] in rem
            last_gone = bool(dents) and dents[-1][0] in rem
            for name in INDEX_PAGES:
                rel = '%s/%s' % (vol, name)
                if not (self.b.has(rel) and self.a.has(rel)):
                    continue
                bs, as_ = dec(self.b.read(rel)), dec(self.a.read(rel))
                bents = entries(bs)
                aents = entries(as_)
                for h, _, _ in aents:
                    if h in rem:
                        self.fail(rel, 'still has the entry of removed page %s' % h)
                for h in sorted(rem):
                    if re.search(r'<A HREF="%s[#"]' % re.escape(h), as_, re.I):
                        if not any(x == h for x, _, _ in aents):
                            self.fail(rel, 'still links removed page %s' % h)
                kept = [bs[s:e] for h, s, e in bents if h not in rem]
                got = [as_[s:e] for h, s, e in aents]
                if kept != got:
                    missing = [x for x in kept if x not in got]
                    if missing:
                        self.fail(rel, '%d kept entries are missing or changed, first: %r'
                                  % (len(missing), missing[0][:120]))
                    elif len(kept) == len(got):
                        self.fail(rel, 'the kept entries are not in their order any more')
                    else:
                        self.fail(rel, 'entries were added or duplicated')
                # the rest of the page: exactly the removed entries' spans gone
                exp = bs
                for h, s, e in reversed(bents):
                    if h in rem:
                        exp = exp[:s] + exp[e:]
                mb, ma = MESSAGES_N.search(bs), MESSAGES_N.search(as_)
                if mb and ma:
                    if int(ma.group(2)) != int(mb.group(2)) - n_removed:
                        self.fail(rel, '"Messages: %s" (before %s, %d entries removed: expected %d)' % (
                            ma.group(2), mb.group(2), n_removed, int(mb.group(2)) - n_removed))
                elif mb:
                    self.fail(rel, 'the "Messages:" count is gone')
                for rx, gone, label in ((STARTING, first_gone, 'Starting'), (ENDING, last_gone, 'Ending'),
                                        (LASTDATE, last_gone, 'Last message date')):
                    xb, xa = rx.search(bs), rx.search(as_)
                    if xb and xa and not gone and xb.group(2) != xa.group(2):
                        self.fail(rel, '"%s:" changed (%r -> %r) though that message was kept'
                                  % (label, xb.group(2), xa.group(2)))
                    if xb and xa and gone:
                        self.check_index_date(rel, vol, label, bs, xa.group(2))

                def masked(x):
                    x = MESSAGES_N.sub(r'\1N', x)
                    for rx in (STARTING, ENDING, LASTDATE):
                        x = rx.sub(r'\1D\3', x)
                    return x
                if masked(exp) != masked(as_):
                    if ' '.join(masked(exp).split()) == ' '.join(masked(as_).split()):
                        self.note(rel, 'differs from the expected entry removal in white space only')
                    else:
                        self.fail(rel, 'more changed than the removed entries, the count and dates: %s'
                                  % line_diff(masked(exp), masked(as_)))
                if name == 'thread.html':
                    nb_c, nb_e = len(THREAD_COMMENT.findall(bs)), len(bents)
                    na_c, na_e = len(THREAD_COMMENT.findall(as_)), len(aents)
                    if nb_c == nb_e and na_c != na_e:
                        self.fail(rel, '%d <!--D KEY --> comments for %d entries' % (na_c, na_e))

    def date_keys(self, tree, vol):
        d, err = tree.db(vol, 'date')
        if not isinstance(d, dict):
            return None
        try:
            return sorted(int(db_entry_date(k)) for k in d)
        except (TypeError, ValueError):
            return None

    def check_index_date(self, rel, vol, label, bs, now):
        """The first or last message went: Starting (or Ending, Last
        message date) must now be the new first (last) database date, in
        the server time the page was written in (notes 6.1, 6.4)."""
        bk, ak = self.date_keys(self.b, vol), self.date_keys(self.a, vol)
        if not bk or ak is None:
            return
        if not ak:
            return                  # an empty volume: Mailman prints None
        offs = set()
        for rx, k in ((STARTING, bk[0]), (ENDING, bk[-1])):
            m = rx.search(bs)
            t = parse_ctime(m.group(2)) if m else None
            if t is not None:
                offs.add(t - k)
        if not offs:
            return
        key = ak[0] if label == 'Starting' else ak[-1]
        ta = parse_ctime(now)
        if ta is None or ta - key not in offs:
            self.fail(rel, '"%s:" is %r; the %s message now dates from %s UTC (%s h as before)' % (
                label, now, 'first' if label == 'Starting' else 'last',
                time.strftime('%a %b %d %H:%M:%S %Y', time.gmtime(key)),
                ' or '.join('%+g' % (o / 3600.0) for o in sorted(offs))))

    # -- 7. neighbours -------------------------------------------------------------------

    def chain(self, tree, vol, getp):
        rel = vol + '/thread.html'
        if not tree.has(rel):
            return []
        ents = entries(dec(tree.read(rel)))
        if not ents:
            return []
        out, seen = [], set()
        cur = ents[0][0]
        while cur and cur not in seen and tree.has('%s/%s' % (vol, cur)):
            seen.add(cur)
            out.append(cur)
            cur = getp(vol, cur).next
        return out

    def check_neighbours(self):
        for vol, rem in sorted(self.removed.items()):
            bchain = self.chain(self.b, vol, self.bpage)
            apages = {}

            def ap(v, p):
                if p not in apages:
                    apages[p] = self.apage(v, p)
                return apages[p]
            achain = self.chain(self.a, vol, ap)
            expect = [p for p in bchain if p not in rem]
            if achain != expect:
                self.fail(vol + '/', 'following Next from the first thread.html entry gives %s, expected %s'
                          % (short(achain), short(expect)))
            # Previous mirrors Next along the chain (where it did before)
            bprev_ok = all(self.bpage(vol, p).prev == (bchain[i - 1] if i else None)
                           for i, p in enumerate(bchain))
            if bprev_ok:
                for i, p in enumerate(achain):
                    want = achain[i - 1] if i else None
                    if ap(vol, p).prev != want:
                        self.fail('%s/%s' % (vol, p), 'LINK REL="Previous" is %s, expected %s'
                                  % (ap(vol, p).prev, want))
            for page in self.a.pages(vol):
                if page in rem:
                    continue
                rel = '%s/%s' % (vol, page)
                t = ap(vol, page)
                for d, tgt in (('Previous', t.prev), ('Next', t.next)):
                    if tgt in rem:
                        self.fail(rel, 'LINK REL="%s" points at removed page %s' % (d, tgt))
                for h in re.findall(r'<A HREF="(\d+\.html)"', t.s, re.I):
                    if h in rem:
                        self.fail(rel, 'links removed page %s' % h)
                if page not in self.neighbours[vol]:
                    continue
                bp = self.bpage(vol, page)
                if without_nav(bp.s) != without_nav(t.s):
                    self.fail(rel, 'changed beyond its Previous/Next links: %s'
                              % line_diff(NAV_LI.sub('', NAV_LINK.sub('', bp.s)),
                                          NAV_LI.sub('', NAV_LINK.sub('', t.s))))
                if len(bp.nav) == sum(1 for x in (bp.prev, bp.next) if x) * 2:
                    want = sorted([('previous', t.prev)] * 2 * bool(t.prev) + [('next', t.next)] * 2 * bool(t.next))
                    got = sorted((d.lower(), h) for d, h, _ in t.nav)
                    if want != got:
                        self.fail(rel, 'the Previous/Next message items %s do not agree with the LINK tags %s'
                                  % (got, want))
                for d, h, text in t.nav:
                    if h in rem or not self.a.has('%s/%s' % (vol, h)):
                        continue
                    if norm(text) != self.bpage(vol, h).subject():
                        self.fail(rel, '%s message link to %s reads %r, not that page\'s subject %r'
                                  % (d, h, norm(text)[:80], self.bpage(vol, h).subject()[:80]))

    # -- 8. removed content is gone everywhere ---------------------------------------------

    @staticmethod
    def searchable(tree, rel):
        """A file as the search for removed content sees it: .txt.gz
        decompressed, HTML as text (tags stripped, entities decoded, in
        its own bytes and in UTF-8), the rest raw."""
        raw = tree.read(rel)
        if rel.endswith('.txt.gz') and '/' not in rel:
            data, err = tree.gunzip(rel)
            return raw if data is None else data
        if rel.endswith(('.html', '.htm')):
            t = text_of(dec(raw))
            return t.encode('latin-1', 'ignore') + b'\n' + t.encode('utf-8', 'surrogateescape')
        return raw

    def after_blobs(self):
        """[(rel, searchable bytes)] of every file of the after tree (a
        .txt.gz that decompresses to its .txt only once)."""
        out = []
        for rel in sorted(self.a.files):
            if isinstance(self.a.files[rel], tuple):
                continue
            if rel.endswith('.txt.gz') and '/' not in rel and self.a.has(rel[:-3]) and \
                    self.a.gunzip(rel)[0] == self.a.read(rel[:-3]):
                continue
            out.append((rel, self.searchable(self.a, rel)))
        return out

    def kept_before_blob(self):
        """Every before file that is kept as it was (or a neighbour page):
        text found there is not removed content, even if a removed message
        had it too (a PGP armour line, a quoted header...)."""
        if getattr(self, '_kbb', None) is None:
            parts = []
            for rel in sorted(self.b.files):
                if isinstance(self.b.files[rel], tuple):
                    continue
                if self.classify(rel) in ('fixed', 'neighbour'):
                    parts.append(self.searchable(self.b, rel))
            self._kbb = b'\0\n'.join(parts)
        return self._kbb

    def check_gone(self):
        # body lines of the removed messages that no kept message has
        kept = []
        gone_msgs = []
        for vol in self.b.volumes:
            t = self.b.volume_text(vol)
            if t is None:
                continue
            ridx = self.removed_msgs.get(vol, set())
            for k, m in enumerate(t[1]):
                (gone_msgs if k in ridx else kept).append((vol, k, m))
        kept_blob = b'\0'.join(m for _, _, m in kept)
        needles = {}
        for vol, k, m in gone_msgs:
            for line in txt_body(m).split(b'\n'):
                line = line.strip()
                if len(line) >= 30 and line not in kept_blob:
                    needles.setdefault(line, '%s message %d' % (vol, k + 1))
        blobs = self.after_blobs()
        starts, pos, parts = [], 0, []
        for rel, data in blobs:
            starts.append(pos)
            parts.append(data)
            pos += len(data) + 2
        big = b'\0\n'.join(parts)

        def where(i):
            return blobs[bisect.bisect_right(starts, i) - 1][0]
        n_kept_elsewhere = 0
        for line, src in needles.items():
            variants = {line}
            try:
                u = line.decode('utf-8')
            except UnicodeDecodeError:
                u = line.decode('latin-1')
            variants.add(u.encode('utf-8'))
            variants.add(u.encode('latin-1', 'ignore'))
            variants = [v for v in variants if len(v) >= 30]
            hits = [(big.find(v), v) for v in variants]
            hits = [(i, v) for i, v in hits if i >= 0]
            if not hits:
                continue
            if any(v in self.kept_before_blob() for v in variants):
                n_kept_elsewhere += 1
                continue
            self.fail(where(hits[0][0]), 'holds a body line of removed %s: %r' % (src, line[:80]))
        if n_kept_elsewhere:
            self.note('body lines', '%d lines of the removed bodies are also in kept files '
                      '(not counted as removed content)' % n_kept_elsewhere)
        self.stats['body_lines'] = len(needles)
        # the Message-IDs (but not one that a kept message has too: a
        # duplicate Message-ID stays with the message that keeps it)
        kept_ids = set()
        for vol in self.b.volumes:
            rem = self.removed.get(vol, set())
            for page in self.b.pages(vol):
                if page in rem:
                    continue
                mid = self.page_msgid.get((vol, page))
                if mid is not None:
                    kept_ids.add(norm_id(mid))
                own = self.db_owner.get((vol, page))
                if own:
                    kept_ids.add(own[0].decode('utf-8', 'surrogateescape'))
        for mid in sorted(set(self.removed_ids.values())):
            if mid in kept_ids:
                self.note('--removed-ids', '<%s> is also the Message-ID of a kept message; '
                          'not looked for' % mid)
                continue
            self.check_id_gone(mid, blobs)

    def id_forms(self, mid):
        raw = mid.encode('utf-8', 'surrogateescape')
        forms = {raw}
        for safe in ('/', ''):
            q = urllib.parse.quote(raw, safe=safe).encode()
            forms.add(q)
            forms.add(re.sub(rb'%[0-9A-F]{2}', lambda m: m.group(0).lower(), q))
            q = urllib.parse.quote(b'<' + raw + b'>', safe=safe).encode()
            forms.add(q)
        forms.add(html.escape(mid, quote=True).encode('utf-8', 'surrogateescape'))
        return {f for f in forms if len(f) >= 4}

    def id_allowed_cut(self, tree, rel, data):
        """data (raw, .gz decompressed) with the places a removed
        Message-ID may stay taken out: kept messages' In-Reply-To and
        References headers (in the before tree the removed messages go
        too), kept pages' mailto In-Reply-To= parameters, and the thread
        keys of thread.html."""
        parts = rel.split('/')
        if rel.endswith(('.txt', '.txt.gz')) and '/' not in rel:
            pre, msgs = split_txt(data)
            vol = rel[:-4] if rel.endswith('.txt') else rel[:-7]
            gone = self.removed_msgs.get(vol, set()) if tree is self.b else set()
            left = [pre]
            for k, m in enumerate(msgs):
                if k in gone:
                    continue
                cut = [(s, e) for n, _, s, e in txt_headers(m)
                       if n in (b'in-reply-to', b'references')]
                for s, e in reversed(cut):
                    m = m[:s] + m[e:]
                left.append(m)
            return b'\0'.join(left)
        if rel.endswith('.html'):
            s = dec(data)
            s = re.sub(r'In-Reply-To=[^"&\s>]*', 'In-Reply-To=', s, flags=re.I)
            if parts[-1] == 'thread.html':
                s = THREAD_COMMENT.sub('', s)
            return s.encode('latin-1')
        return data

    def check_id_gone(self, mid, blobs):
        forms = self.id_forms(mid)
        removed_pages = {'%s/%s' % k for k in self.removed_ids}
        for rel, _ in blobs:
            if isinstance(self.a.files.get(rel), tuple):
                continue
            data = self.a.read(rel)
            if rel.endswith('.txt.gz'):
                data = self.a.gunzip(rel)[0] or data
            if not any(f in data for f in forms):
                continue
            parts = rel.split('/')
            if parts[0] == 'database' and len(parts) == 2:
                self.check_id_in_db(rel, mid, forms)
                continue
            what = ' '.join(sorted({f.decode('latin-1') for f in forms if f in data}))
            if rel in removed_pages:
                self.fail(rel, 'the tombstone holds the removed Message-ID <%s> (as %s)' % (mid, what))
                continue
            after_n = sum(self.id_allowed_cut(self.a, rel, data).count(f) for f in forms)
            if not after_n:
                continue
            before_n = 0
            if self.b.has(rel) and not self.is_removed_attachment(rel):
                bdata = self.b.read(rel)
                if rel.endswith('.txt.gz'):
                    bdata = self.b.gunzip(rel)[0] or bdata
                before_n = sum(self.id_allowed_cut(self.b, rel, bdata).count(f) for f in forms)
            if after_n > before_n:
                self.fail(rel, 'holds the removed Message-ID <%s> (as %s)' % (mid, what))
            else:
                self.note(rel, 'kept content quotes the removed Message-ID <%s> as it did before' % mid)

    def check_id_in_db(self, rel, mid, forms):
        try:
            d = marshal.loads(self.a.read(rel))
        except Exception:                      # noqa: BLE001
            if any(f in self.a.read(rel) for f in forms):
                self.fail(rel, 'holds the removed Message-ID <%s> (and is no marshal file)' % mid)
            return
        if not isinstance(d, dict):
            return
        kind = rel.rsplit('-', 1)[-1]
        m = mid.encode('utf-8', 'surrogateescape')
        for k, v in d.items():
            owner = as_bytes(k) if kind == 'article' else as_bytes(v)
            if owner == m:
                self.fail(rel, 'still has a record of removed <%s>' % mid)
                return

    # -- database --------------------------------------------------------------------------

    def check_db(self):
        for vol, rem in sorted(self.removed.items()):
            drops = []     # (msgid, date)
            for page in rem:
                own = self.db_owner.get((vol, page))
                if own:
                    drops.append(own)
            mids = {m for m, _ in drops}
            # a Message-ID all of whose pages went (duplicate Message-IDs,
            # notes 11.4): every entry of it goes, whatever its date
            pages_of = {}
            for page in self.b.pages(vol):
                mid = self.page_msgid.get((vol, page))
                if mid is not None:
                    pages_of.setdefault(norm_id(mid).encode('utf-8', 'surrogateescape'), set()).add(page)
                own = self.db_owner.get((vol, page))
                if own:
                    pages_of.setdefault(own[0], set()).add(page)
            all_gone = {m for m, ps in pages_of.items() if ps <= rem}
            for kind in ('article', 'author', 'date', 'subject', 'thread'):
                rel = 'database/%s-%s' % (vol, kind)
                if not self.b.has(rel) or not self.a.has(rel):
                    continue
                bd, berr = self.b.db(vol, kind)
                ad, aerr = self.a.db(vol, kind)
                if aerr:
                    self.fail(rel, 'after: is not a marshal file any more: ' + aerr)
                    continue
                if berr or not isinstance(bd, dict):
                    continue
                if not isinstance(ad, dict):
                    self.fail(rel, 'after: is not a marshal dict')
                    continue
                exp = {}
                for k, v in bd.items():
                    if kind == 'article':
                        fm = PICKLE_FILENAME.search(as_bytes(v))
                        drop = as_bytes(k) in all_gone or (
                            as_bytes(k) in mids and fm is not None and fm.group(1).decode() in rem)
                    elif kind == 'thread':
                        drop = as_bytes(v) in mids or as_bytes(v) in all_gone
                    elif as_bytes(v) in all_gone:
                        drop = True
                    else:
                        drop = any(as_bytes(v) == m and (dt is None or db_entry_date(k) == dt)
                                   for m, dt in drops)
                    if not drop:
                        exp[k] = v
                if ad != exp:
                    extra = [k for k in ad if k not in exp or ad[k] != exp[k]]
                    missing = [k for k in exp if k not in ad]
                    self.fail(rel, 'expected exactly the removed messages\' records dropped '
                              '(%d records too many or changed, %d missing%s)' % (
                                  len(extra), len(missing),
                                  ', e.g. %r' % ((extra or missing)[0],) if extra or missing else ''))
                braw, araw = self.b.read(rel), self.a.read(rel)
                try:
                    if marshal.dumps(bd, 2) == braw and marshal.dumps(ad, 2) != araw:
                        self.fail(rel, 'not written in the marshal subset Mailman\'s Python 2 reads '
                                  '(a version-2 round trip differs)')
                except ValueError:
                    pass

    # -- 9. TOC -------------------------------------------------------------------------------

    def check_toc(self):
        if not (self.b.has('index.html') and self.a.has('index.html')):
            return
        bs, as_ = dec(self.b.read('index.html')), dec(self.a.read('index.html'))
        brows, arows = list(TOC_ROW.finditer(bs)), list(TOC_ROW.finditer(as_))
        if [m.group(1) for m in brows] != [m.group(1) for m in arows]:
            self.fail('index.html', 'the volume rows changed: %s -> %s' % (
                short([m.group(1) for m in brows]), short([m.group(1) for m in arows])))
            return

        def outside(s, rows):
            out, pos = [], 0
            for m in rows:
                out.append(s[pos:m.start()])
                pos = m.end()
            out.append(s[pos:])
            return out
        if outside(bs, brows) != outside(as_, arows):
            self.fail('index.html', 'changed outside the volume rows')
        for mb, ma in zip(brows, arows):
            vol = mb.group(1)
            if vol not in self.changed_vols:
                if mb.group(0) != ma.group(0):
                    self.fail('index.html', 'the row of %s changed, though %s did not' % (vol, vol))
                continue
            if mb.group(0)[:mb.start(2) - mb.start()] != ma.group(0)[:ma.start(2) - ma.start()]:
                self.fail('index.html', 'the row of %s changed outside its text cell' % vol)
            cell = ma.group(2)
            c = TOC_CELL.match(cell)
            if not c:
                if cell.strip() or self.a.has(vol + '.txt') or self.a.has(vol + '.txt.gz'):
                    self.fail('index.html', 'row %s: text cell %r is not "[ Gzip\'d Text N KB ]"' % (vol, cell))
                continue
            href, kind, label = c.groups()
            if href not in (vol + '.txt', vol + '.txt.gz') or not self.a.has(href):
                self.fail('index.html', 'row %s links %s, which is not this volume\'s text' % (vol, href))
                continue
            if (kind == 'Text') != href.endswith('.txt'):
                self.fail('index.html', 'row %s: "%s" for %s' % (vol, kind, href))
            size = len(self.a.read(href))
            if label != sizeof(size):
                self.fail('index.html', 'row %s: "%s" but %s is %d bytes ("%s")'
                          % (vol, label, href, size, sizeof(size)))

    # -- static link check of the changed pages -----------------------------------------

    def check_static_links(self):
        anchors = {}

        def names(tree, rel):
            key = (id(tree), rel)
            if key not in anchors:
                anchors[key] = set(re.findall(r'<a\s+name="([^"]*)"', dec(tree.read(rel)), re.I)) \
                    if tree.has(rel) else None
            return anchors[key]
        for rel in sorted(self.changed):
            if not rel.endswith('.html'):
                continue
            base = os.path.dirname(rel)
            bhrefs = set(re.findall(r'(?:href|src)="([^"]*)"', dec(self.b.read(rel)), re.I))
            for h in sorted(set(re.findall(r'(?:href|src)="([^"]*)"', dec(self.a.read(rel)), re.I))):
                u = urllib.parse.urlsplit(h)
                if u.scheme or u.netloc or h.startswith('/') or not (u.path or u.fragment):
                    continue
                target = os.path.normpath(os.path.join(base, urllib.parse.unquote(u.path))) \
                    if u.path else rel
                if not self.a.has(target):
                    if not (h in bhrefs and not self.b.has(target)):   # not broken before
                        self.fail(rel, 'links %s, which does not exist' % h)
                    continue
                if u.fragment and target.endswith('.html'):
                    na = names(self.a, target)
                    if na is not None and u.fragment not in na:
                        nb = names(self.b, target) if self.b.has(target) else None
                        if h not in bhrefs or (nb is not None and u.fragment in nb):
                            self.note(rel, 'links %s, but %s has no anchor "%s" (any more)'
                                      % (h, target, u.fragment))

    # -- 10. wget crawl ---------------------------------------------------------------------

    def linkcheck(self):
        if not shutil.which('wget'):
            self.fail('--linkcheck', 'wget is not installed')
            return
        seeds = ['index.html'] + sorted('%s/%s' % k for k in self.removed_ids)
        procs = []
        tmp = tempfile.mkdtemp(prefix='pipermail-check.')
        t0 = time.time()
        try:
            runs = []
            for name, tree in (('before', self.b), ('after', self.a)):
                port = free_port()
                srv = subprocess.Popen(
                    [sys.executable, '-m', 'http.server', '--bind', '127.0.0.1', str(port)],
                    cwd=tree.root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True, preexec_fn=die_with_parent)
                procs.append(srv)
                runs.append((name, port, srv))
            for name, port, srv in runs:
                if not wait_port(port, srv):
                    self.fail('--linkcheck', 'the %s server (python3 -m http.server on port %d) did not start'
                              % (name, port))
                    return
            crawls = []
            for name, port, _ in runs:
                d = os.path.join(tmp, name)
                os.mkdir(d)
                log = os.path.join(tmp, name + '.log')
                urls = ['http://127.0.0.1:%d/%s' % (port, s) for s in seeds]
                w = subprocess.Popen(
                    ['wget', '--spider', '-r', '-l', 'inf', '-nv', '-nd', '-e', 'robots=off',
                     '--no-parent', '--no-http-keep-alive', '-t', '3', '-T', '20',
                     '-P', d, '-o', log] + urls,
                    cwd=d, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                    start_new_session=True, preexec_fn=die_with_parent)
                procs.append(w)
                crawls.append((name, port, w, log))
            res = {}
            for name, port, w, log in crawls:
                try:
                    w.wait(timeout=900)
                except subprocess.TimeoutExpired:
                    self.fail('--linkcheck', 'the wget crawl of %s took over 15 minutes' % name)
                    return
                with open(log, 'rb') as f:
                    res[name] = parse_wget_log(f.read().decode('utf-8', 'replace'), port)
            (bb, bv, brf), (ab, av, arf) = res['before'], res['after']
            for u in sorted(ab - bb):
                self.fail('--linkcheck', 'broken link in the after tree only: %s' % u)
            if bv < 3 or av < 0.5 * bv:
                self.fail('--linkcheck', 'the crawls look broken: %d URLs before, %d after' % (bv, av))
            if arf > brf:
                self.fail('--linkcheck', 'the after crawl had %d refused connections, before %d' % (arf, brf))
            self.stats['crawl'] = 'crawled %d/%d URLs (before/after), %d/%d broken, %.1f s' % (
                bv, av, len(bb), len(ab), time.time() - t0)
        finally:
            for p in procs:
                stop(p)
            for dirpath, dirnames, filenames in os.walk(tmp, topdown=False):
                for f in filenames:
                    os.unlink(os.path.join(dirpath, f))
                for d in dirnames:
                    os.rmdir(os.path.join(dirpath, d))
            os.rmdir(tmp)

    # ---------------------------------------------------------------------------------------

    def run(self, linkcheck=False):
        t0 = time.time()
        self.plan()
        steps = [self.check_files, self.check_txt, self.check_html, self.check_tombstones,
                 self.check_indexes, self.check_neighbours, self.check_gone, self.check_db,
                 self.check_toc, self.check_static_links]
        for step in steps:
            try:
                step()
            except Exception as e:              # noqa: BLE001 -- a damaged tree
                import traceback
                self.fail(step.__name__, 'the check itself failed on this tree: %s: %s\n%s' % (
                    type(e).__name__, e, traceback.format_exc()))
        if linkcheck:
            self.linkcheck()
        self.stats['seconds'] = time.time() - t0


def parse_ctime(s):
    """'Mon May 10 10:00:03 EDT 2010' or 'Sun Aug 15 06:37:17 1999' ->
    seconds, taking the time as if it were UTC (None if not a date)."""
    parts = ' '.join(s.split()).split(' ')
    if len(parts) == 6:
        parts = parts[:4] + parts[5:]
    try:
        return calendar.timegm(time.strptime(' '.join(parts), '%a %b %d %H:%M:%S %Y'))
    except ValueError:
        return None


def gz_header(data):
    """(FNAME, OS) of a gzip member header, or None."""
    if len(data) < 10 or data[:2] != b'\x1f\x8b':
        return None
    flg = data[3]
    pos = 10
    if flg & 4:
        xlen = int.from_bytes(data[10:12], 'little')
        pos += 2 + xlen
    fname = b''
    if flg & 8:
        end = data.find(b'\0', pos)
        fname = data[pos:end]
    return fname, data[9]


def line_diff(a, b):
    al, bl = a.split('\n'), b.split('\n')
    for i, (x, y) in enumerate(zip(al, bl)):
        if x != y:
            return 'line %d: expected %r, found %r' % (i + 1, x[:100], y[:100])
    return 'expected %d lines, found %d' % (len(al), len(bl))


def short(xs, n=8):
    xs = list(xs)
    return '[%s%s]' % (' '.join(xs[:n]), ' ...(%d)' % len(xs) if len(xs) > n else '')


def free_port():
    s = socket.socket()
    s.bind(('127.0.0.1', 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, timeout=20):
    t = time.time() + timeout
    while time.time() < t:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def die_with_parent():
    """preexec_fn: the servers and crawls end when the checker dies, even
    by SIGKILL (Linux prctl PR_SET_PDEATHSIG; elsewhere the finally: and
    the signal handlers do it)."""
    try:
        import ctypes
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)
    except Exception:                           # noqa: BLE001
        pass


def stop(p):
    if p.poll() is not None:
        return
    try:
        os.killpg(p.pid, signal.SIGTERM)
    except OSError:
        p.terminate()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            p.kill()
        p.wait()


def parse_wget_log(text, port):
    """(set of broken URLs on our server, number of URLs seen, number of
    refused connections) from a wget -nv --spider log."""
    broken = set()
    lines = text.split('\n')
    for i, line in enumerate(lines):
        if re.match(r'Found \d+ broken links?\.', line):
            for u in lines[i + 1:]:
                u = u.strip()
                if not u:
                    continue
                if not re.match(r'https?://', u):
                    break
                broken.add(u)
    own = 'http://127.0.0.1:%d/' % port
    internal = {u[len(own) - 1:] for u in broken if u.startswith(own)}
    seen = len(re.findall(r'^\S+ \S+ URL: ?\S+', text, re.M))
    refused = text.count('Connection refused')
    return internal, seen, refused


# ---------------------------------------------------------------------------
# helper modes

def pick_thread(listdir, lo, hi):
    t = Tree(listdir)
    where = {}      # id -> (vol, page)
    links = {}      # id -> ids it refers to
    raw = {}        # id -> raw Message-ID value
    for vol in t.volumes:
        pages = t.pages(vol)
        tx = t.volume_text(vol)
        if not tx or len(tx[1]) != len(pages):
            continue
        for k, m in enumerate(tx[1]):
            hs = txt_headers(m)
            mid = [v for n, v, _, _ in hs if n == b'message-id']
            if not mid:
                continue
            i = norm_id(mid[0])
            if i in where:          # duplicate Message-IDs: leave them out
                where[i] = None
                continue
            where[i] = (vol, pages[k])
            raw[i] = mid[0]
            refs = []
            for n, v, _, _ in hs:
                if n in (b'in-reply-to', b'references'):
                    refs += ids_in(v)
            links[i] = refs
    ids = [i for i in where if where[i] is not None]
    parent = {i: i for i in ids}

    def root(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x
    for i in ids:
        for r in links.get(i, ()):
            if r in parent:
                parent[root(i)] = root(r)
    comps = {}
    for i in ids:
        comps.setdefault(root(i), []).append(i)
    att = {r.split('/')[2] for r in t.files if r.startswith('attachments/') and r.count('/') >= 3}
    best = None
    for c in comps.values():
        vols = {where[i][0] for i in c}
        if lo <= len(c) <= hi and len(vols) >= 2:
            seq = min(int(where[i][1][:-5]) for i in c)
            # the smallest; among those, one with attachments, then the oldest
            has_att = any(hex8(raw[i]) in att for i in c)
            key = (len(c), not has_att, seq)
            if best is None or key < best[0]:
                best = (key, c)
    if best is None:
        return []
    c = sorted(best[1], key=lambda i: int(where[i][1][:-5]))
    return [(i, '%s/%s' % where[i]) for i in c]


def msgid_of(listdir, vpage):
    t = Tree(listdir)
    vol, page = vpage.split('/')
    pages = t.pages(vol)
    tx = t.volume_text(vol)
    if tx and len(tx[1]) == len(pages) and page in pages:
        mid = txt_msgid(tx[1][pages.index(page)])
        if mid is not None:
            return norm_id(mid)
    art, _ = t.db(vol, 'article')
    for k, v in (art or {}).items():
        m = PICKLE_FILENAME.search(as_bytes(v))
        if m and m.group(1).decode() == page:
            return as_bytes(k).decode('utf-8', 'surrogateescape')
    return None


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--before')
    ap.add_argument('--after')
    ap.add_argument('--removed-ids')
    ap.add_argument('--linkcheck', action='store_true')
    ap.add_argument('--tombstone-text')
    ap.add_argument('--pick-thread', metavar='LISTDIR')
    ap.add_argument('--min', type=int, default=3)
    ap.add_argument('--max', type=int, default=8)
    ap.add_argument('--msgid-of', nargs=2, metavar=('LISTDIR', 'VOL/PAGE'))
    ap.add_argument('-v', '--verbose', action='store_true', help='also print the notes')
    o = ap.parse_args(argv)
    if o.pick_thread:
        got = pick_thread(o.pick_thread, o.min, o.max)
        for i, p in got:
            print(i, p)
        return 0 if got else 1
    if o.msgid_of:
        m = msgid_of(*o.msgid_of)
        if m is None:
            return 1
        print(m)
        return 0
    if not (o.before and o.after and o.removed_ids):
        ap.error('--before, --after and --removed-ids are required')
    for d in (o.before, o.after):
        if not os.path.isdir(d):
            ap.error('%s is not a directory' % d)
    with open(o.removed_ids, encoding='utf-8', errors='surrogateescape') as f:
        ids = []
        for line in f:
            line = line.strip()
            if line and not line.startswith('#'):
                ids.append(line[1:-1] if line.startswith('<') and line.endswith('>') else line)
    c = Checker(o.before, o.after, ids, o.tombstone_text)

    def on_signal(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    c.run(o.linkcheck)
    if o.verbose or c.failures:
        for n in c.notes:
            print(n)
    if c.failures:
        for f in c.failures:
            print(f)
        print('pipermail_check: %d failures' % len(c.failures))
        return 1
    removed = sorted('%s/%s' % k for k in c.removed_ids)
    print('pipermail_check: OK: %d removed pages (%s) in %d volumes; %d files, %d unchanged, '
          '%d changed as required; %d body lines and %d Message-IDs gone everywhere%s; %.1f s'
          % (len(removed), ' '.join(removed[:10]) + (' ...' if len(removed) > 10 else ''),
             len(c.changed_vols), c.stats.get('files', 0), c.stats.get('unchanged', 0),
             len(c.changed), c.stats.get('body_lines', 0), len(set(c.removed_ids.values())),
             '; ' + c.stats['crawl'] if 'crawl' in c.stats else '', c.stats['seconds'])
          + ('; %d notes (-v shows them)' % len(c.notes) if c.notes and not o.verbose else ''))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
