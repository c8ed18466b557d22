#!/usr/bin/env python3
"""tarball_check.py -- independent checks of the tarballs listscrub reads
and writes back (tests/cli/t4400-tarballs.sh), with Python's own tarfile,
gzip, bz2, lzma, zipfile and email; never listscrub's code.

  compare OLD NEW --removed FILE [--changed FILE]
      NEW holds OLD's members in OLD's order, minus the names in --removed
      (regular files of OLD); every member kept has the same type, mode,
      mtime, uid, gid, owner names and link target; a kept regular file
      has OLD's bytes, unless it is named in --changed (then its bytes
      differ).  Both are the same kind of file (compression).
  absent TARBALL STRING...
      none of the strings is anywhere in the decompressed tarball
  magic FILE
      print the kind of file: gz, bz2, xz, zst, zip or tar
  members TARBALL
      print the regular members' names, one a line
  pick-maildir DIR OUT
      in the Maildir tree DIR (given relative, as the tarball names it),
      pick a message alone in its conversation and the root of the largest
      reply subtree, each in a cur/ or new/ folder; write OUT.one.id,
      OUT.one.files, OUT.one.line (a body line found in no other file),
      OUT.thread.id and OUT.thread.files (the root and every message whose
      In-Reply-To or References names one of them)
  evil KIND OUT
      a tarball whose member lands outside it (KIND: dotdot, abs, inner,
      symlink, hardlink, twice), after a harmless mbox member
  bomb OUT MB
      a tar.gz holding one member of MB megabytes of zeros
"""
import bz2
import email
import gzip
import io
import lzma
import os
import sys
import tarfile

MAGIC = [(b"\x1f\x8b", "gz"), (b"BZh", "bz2"), (b"\xfd7zXZ\x00", "xz"),
         (b"\x28\xb5\x2f\xfd", "zst"), (b"PK\x03\x04", "zip")]


def magic(path):
    head = open(path, "rb").read(8)
    for m, kind in MAGIC:
        if head.startswith(m):
            return kind
    return "tar"


def raw_tar(path):
    data = open(path, "rb").read()
    kind = magic(path)
    if kind == "gz":
        return gzip.decompress(data)
    if kind == "bz2":
        return bz2.decompress(data)
    if kind == "xz":
        return lzma.decompress(data)
    if kind == "tar":
        return data
    sys.exit("tarball_check: cannot decompress a %s here: %s" % (kind, path))


def read_members(path):
    """[(TarInfo, bytes or None)] in the order of the archive."""
    out = []
    with tarfile.open(path, "r:*") as t:
        for ti in t:
            data = t.extractfile(ti).read() if ti.isreg() else None
            out.append((ti, data))
    return out


def names_file(path):
    if path is None:
        return set()
    return {l.rstrip("\n") for l in open(path) if l.strip()}


FIELDS = ("type", "mode", "mtime", "uid", "gid", "uname", "gname", "linkname")


def compare(old, new, removed, changed):
    fails = []
    if magic(old) != magic(new):
        fails.append("%s is a %s, it was a %s" % (new, magic(new), magic(old)))
    a, b = read_members(old), read_members(new)
    regular = {ti.name for ti, _ in a if ti.isreg()}
    for r in sorted(removed - regular):
        fails.append("%s: not a regular member of the old tarball" % r)
    want = [(ti, d) for ti, d in a if ti.name not in removed]
    if [ti.name for ti, _ in want] != [ti.name for ti, _ in b]:
        fails.append("the members (or their order) are not the old ones "
                     "minus the removed:\n  want %s\n  got  %s" % (
                         [ti.name for ti, _ in want], [ti.name for ti, _ in b]))
    else:
        for (x, dx), (y, dy) in zip(want, b):
            for f in FIELDS:
                if getattr(x, f) != getattr(y, f):
                    fails.append("%s: %s %r, was %r" % (
                        x.name, f, getattr(y, f), getattr(x, f)))
            if x.name in changed:
                if dx == dy:
                    fails.append("%s: unchanged, but it should be" % x.name)
                elif y.size != len(dy):
                    fails.append("%s: size %d, %d bytes" % (x.name, y.size, len(dy)))
            elif dx != dy:
                fails.append("%s: its bytes changed" % x.name)
    for c in sorted(changed - {ti.name for ti, _ in want}):
        fails.append("%s: said changed, but it is not a kept member" % c)
    for f in fails:
        print("FAIL " + f)
    if fails:
        return 1
    print("tarball_check: OK: %d members kept (%d changed), %d removed"
          % (len(b), len(changed), len(removed)))
    return 0


def absent(path, strings):
    data = raw_tar(path)
    found = [s for s in strings if s.encode() in data]
    for s in found:
        print("FAIL string %d of %d is still in %s" % (strings.index(s) + 1,
                                                      len(strings), path))
    return 1 if found else 0


def ids_of(value):
    return [w for w in (value or "").replace(",", " ").split() if w.startswith("<")]


def pick_maildir(root, out):
    msgs = {}
    for d, _, files in os.walk(root):
        for f in files:
            p = os.path.join(d, f)
            raw = open(p, "rb").read()
            m = email.message_from_bytes(raw)
            mid = (m["Message-ID"] or "").strip()
            refs = ids_of(m["In-Reply-To"]) + ids_of(m["References"])
            msgs[p] = (mid, refs, raw, m)
    mentioned = {r for _, refs, _, _ in msgs.values() for r in refs}
    own = {mid for mid, _, _, _ in msgs.values()}

    def in_md(p):
        return os.path.basename(os.path.dirname(p)) in ("cur", "new")

    def subtree(mid):
        ids, grew = {mid}, True
        while grew:
            grew = False
            for m2, refs, _, _ in msgs.values():
                if m2 not in ids and ids.intersection(refs):
                    ids.add(m2)
                    grew = True
        return sorted(p for p, v in msgs.items() if v[0] in ids)

    # A message alone: nobody replies to it and it replies to no one here.
    one = None
    for p in sorted(msgs):
        mid, refs, raw, m = msgs[p]
        if in_md(p) and mid and mid not in mentioned and not own.intersection(refs):
            one = p
            break
    # The root (not a reply to a message here) of the largest subtree.
    best = None
    for p in sorted(msgs):
        mid, refs, _, _ = msgs[p]
        if not mid or own.intersection(refs):
            continue
        t = subtree(mid)
        if len(t) >= 3 and all(map(in_md, t)) and (best is None or len(t) > len(best[1])):
            best = (mid, t)
    if one is None or best is None:
        sys.exit("tarball_check: no lone message or no reply subtree in %s" % root)
    mid, _, raw, m = msgs[one]
    body = raw.split(b"\n\n", 1)[1].decode("latin-1").splitlines()
    others = [v[2] for p, v in msgs.items() if p != one]
    line = next((l.strip() for l in body if len(l.strip()) >= 25 and
                 not any(l.strip().encode("latin-1") in o for o in others)), None)
    if line is None:
        sys.exit("tarball_check: no body line of its own in %s" % one)
    with open(out + ".one.id", "w") as f:
        f.write(mid + "\n")
    with open(out + ".one.files", "w") as f:
        f.write(one + "\n")
    with open(out + ".one.line", "w") as f:
        f.write(line + "\n")
    with open(out + ".thread.id", "w") as f:
        f.write(best[0] + "\n")
    with open(out + ".thread.files", "w") as f:
        f.write("".join(p + "\n" for p in best[1]))
    return 0


MBOX = (b"From a@example.org Thu Mar  5 10:00:00 2020\n"
        b"From: Planted <planted.victim@example.org>\n"
        b"Message-ID: <planted@example.org>\nSubject: planted\n\n"
        b"write to planted.victim@example.org\n")


def add(t, name, data=None, **kw):
    ti = tarfile.TarInfo(name)
    ti.mtime = 1600000000
    for k, v in kw.items():
        setattr(ti, k, v)
    if data is not None:
        ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
    else:
        t.addfile(ti)


def evil(kind, out):
    with tarfile.open(out, "w:gz", format=tarfile.GNU_FORMAT) as t:
        add(t, "ok.mbox", MBOX)
        if kind == "dotdot":
            add(t, "../evil.mbox", MBOX)
        elif kind == "abs":
            add(t, "/abs.mbox", MBOX)
        elif kind == "inner":
            add(t, "a/../../x", MBOX)
        elif kind == "symlink":
            add(t, "l", type=tarfile.SYMTYPE, linkname="../../etc")
            add(t, "l/evil.mbox", MBOX)
        elif kind == "hardlink":
            add(t, "h", type=tarfile.LNKTYPE, linkname="../x")
        elif kind == "twice":
            add(t, "ok.mbox", MBOX.replace(b"planted@", b"second@"))
        else:
            sys.exit("tarball_check: no such kind %s" % kind)
    return 0


class Zeros(io.RawIOBase):
    def readinto(self, b):
        b[:] = bytes(len(b))
        return len(b)

    def readable(self):
        return True


def bomb(out, mb):
    with tarfile.open(out, "w:gz", compresslevel=6) as t:
        ti = tarfile.TarInfo("big.mbox")
        ti.size = mb << 20
        ti.mtime = 1600000000
        t.addfile(ti, io.BufferedReader(Zeros(), 1 << 20))
    return 0


def main(a):
    if a[:1] == ["compare"] and len(a) >= 3:
        opts = dict(zip(a[3::2], a[4::2]))
        return compare(a[1], a[2], names_file(opts.get("--removed")),
                       names_file(opts.get("--changed")))
    if a[:1] == ["absent"] and len(a) >= 3:
        return absent(a[1], a[2:])
    if a[:1] == ["magic"] and len(a) == 2:
        print(magic(a[1]))
        return 0
    if a[:1] == ["members"] and len(a) == 2:
        for ti, _ in read_members(a[1]):
            if ti.isreg():
                print(ti.name)
        return 0
    if a[:1] == ["pick-maildir"] and len(a) == 3:
        return pick_maildir(a[1], a[2])
    if a[:1] == ["evil"] and len(a) == 3:
        return evil(a[1], a[2])
    if a[:1] == ["bomb"] and len(a) == 3:
        return bomb(a[1], int(a[2]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
