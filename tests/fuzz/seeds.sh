#!/bin/sh
# seeds.sh -- build the seed corpus of every fuzz target into OUT/TARGET/
# from what the tree holds (tests/fixtures, tests/rules, rules/, a tree of
# tests/cli/lib/mkpipermail.py) and, when it is here, ../shared/corpora
# (malformed-mime, the sisimai bounces, a few pipermail-twisted files).
# Seeds are copied at build time, never committed; each at most 64 KB.
#   tests/fuzz/seeds.sh SRCDIR OUT [LISTSCRUB]
# LISTSCRUB (the built binary) makes real manifests for fuzz-manifest.
set -eu
src=$(cd "$1" && pwd)
out=$2
listscrub=${3:-}
[ -n "$listscrub" ] && [ -x "$listscrub" ] &&
	listscrub=$(cd "$(dirname "$listscrub")" && pwd)/$(basename "$listscrub")
corpora="$src/../shared/corpora"

rm -rf "$out"
mkdir -p "$out"
if [ ! -d "$corpora" ]; then
	echo "seeds.sh: ../shared/corpora is not here: seeds from the tree's fixtures only"
	corpora=
fi

work="$out/.work"
mkdir -p "$work"
# A small pipermail tree, always: pages, volume texts, marshal databases.
python3 "$src/tests/cli/lib/mkpipermail.py" --out "$work/pm" --messages 12 \
	--seed 1 >/dev/null

# Real manifests: a delete run and a redact run over the basic fixture.
if [ -n "$listscrub" ] && [ -x "$listscrub" ]; then
	(
		cd "$work" &&
		"$listscrub" keygen --out sign >/dev/null 2>&1 &&
		"$listscrub" keygen --incident-key incident.key >/dev/null 2>&1 &&
		for action in delete redact; do
			mkdir -p "arch-$action" &&
			cp "$src/tests/fixtures/basic/list.mbox" "arch-$action/" &&
			"$listscrub" purge --address petra.vos@example.com \
				--action "$action" --apply --incident T-1 \
				--sign-key sign.key --incident-key incident.key \
				--manifest-dir "m-$action" --backup-dir "bk-$action" \
				"arch-$action" >/dev/null 2>&1 || true
		done
	) || echo "seeds.sh: no manifest made with $listscrub: fuzz-manifest starts from hand-written seeds"
fi

python3 - "$src" "$out" "${corpora:-}" <<'PY'
import glob, gzip, hashlib, os, sys

src, out, corpora = sys.argv[1], sys.argv[2], sys.argv[3]
work = os.path.join(out, ".work")
MAX = 64 * 1024

def add(target, data, limit=None):
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    if limit is not None and len(os.listdir(d)) >= limit:
        return
    data = data[:MAX]
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)

def read(path):
    with open(path, "rb") as f:
        data = f.read(MAX * 4)
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data

def files(pattern, n):
    return sorted(glob.glob(pattern, recursive=True))[:n]

def messages_of(mbox):
    """The messages of an mbox, split on From_ lines (roughly: seeds)."""
    parts, cur = [], []
    for line in mbox.split(b"\n"):
        if line.startswith(b"From ") and cur:
            parts.append(b"\n".join(cur) + b"\n")
            cur = []
        cur.append(line)
    if cur:
        parts.append(b"\n".join(cur))
    return parts

basic = read(os.path.join(src, "tests/fixtures/basic/list.mbox"))
mboxes = [basic]
singles = messages_of(basic)
pm = os.path.join(work, "pm/archives/private")
pm_texts = [read(p) for p in files(pm + "/*/*.txt*", 4)]
mboxes += pm_texts
if corpora:
    mm = [p for p in files(corpora + "/malformed-mime/**/*", 100000)
          if os.path.isfile(p) and not p.endswith(".md")]
    for p in mm:
        data = read(p)
        (mboxes if data.startswith(b"From ") else singles).append(data)
    sis = [p for p in files(corpora + "/eml-sisimai-bounces/**/*", 100000)
           if os.path.isfile(p) and not p.endswith(".md")]
    for p in sis[::6]:                  # one in six: ~140 bounces
        data = read(p)
        (mboxes if data.startswith(b"From ") else singles).append(data)
    tw = corpora + "/pipermail-twisted/archives/private/reality"
    for p in files(tw + "/*.txt*", 2):
        mboxes.append(read(p))

# tarballs: tar (plain, gz, bz2, xz), zip, of the fixtures and a
# pipermail tree, and a few with members that must be refused
import io, tarfile, zipfile
def tarball(kind, members):
    buf = io.BytesIO()
    if kind == "zip":
        with zipfile.ZipFile(buf, "w") as z:
            for name, data in members:
                z.writestr(name, data)
        return buf.getvalue()
    with tarfile.open(fileobj=buf, mode="w:" + kind) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            if isinstance(data, tuple):         # (type, link target)
                info.type, info.linkname = data
            else:
                info.size = len(data)
            t.addfile(info, io.BytesIO(data) if not isinstance(data, tuple) else None)
    return buf.getvalue()
small = [("lists/a.mbox", basic[:3000]), ("md/cur/1:2,S", singles[0]),
         ("md/new/2", singles[1] if len(singles) > 1 else b"x")]
for kind in ("", "gz", "bz2", "xz", "zip"):
    add("tarball", tarball(kind, small))
add("tarball", tarball("", small + [("md/new/3", (tarfile.LNKTYPE, "md/cur/1:2,S")),
                                    ("link", (tarfile.SYMTYPE, "lists/a.mbox"))]))
for bad in ("../evil", "/abs", "a/../../x"):
    add("tarball", tarball("", [(bad, b"x")]))
add("tarball", tarball("", [("l", (tarfile.SYMTYPE, "../../etc"))]))
add("tarball", tarball("", [("m", b"a"), ("m", b"b")]))

# the mbox splitter and the file readers
for m in mboxes:
    add("mbox", m)
    add("mailbox", b"\x00" + m, 60)
add("mbox", b"From - \nContent-Length: 5\n\nabcde\nFrom - \nSubject: x\n\nbody\n")
add("mailbox", b"\x01" + basic)
add("mailbox", b"\x02" + gzip.compress(basic[:2000]))
add("mailbox", b"\x03" + b"\x01".join(singles[:4]))
for s in singles[:20]:
    add("mailbox", b"\x00" + s)

# messages: the MIME walk, redaction, the address finder, the rules
for s in singles + mboxes[:10]:
    add("msg", s)
    add("redact", s, 250)
for s in singles[:60]:
    add("addrset", b"petra.vos@example.com ann@example.org\n" + s)
    add("rules", s)
add("addrset", "ann@example.org\nann at example.org, ANN(at)Example.Org, "
    "ann (a) example.org, ann&#64;example.org ann&#x40;example.org "
    "ann&commat;example.org mailto:ann%40example.org joann@example.org "
    "ann@example.org.evil\n")
add("redact", "From: Ann <ann@example.org>\nTo: =?utf-8?q?Bob?= "
    "<bob@lists.example.com>, carl@example.org\nSubject: mail "
    "ann@example.org\nMessage-ID: <ann@example.org>\nContent-Length: 10\n\n"
    "ann at example.org and password = hunter2\n")

# decoders: encoded words, QP, base64
for seed in ["=?utf-8?q?caf=C3=A9_ann=40example.org?=",
             "=?iso-8859-1?B?Y2Fm6Q==?= =?utf-8?Q?x?=",
             "=?x-unknown?q?abc?= =?utf-16?b?AGEAQABi?=",
             "=?UTF-7?Q?+AEA-?=", "soft=\nbreak =3D =E9=c3=a9 =\r\n",
             "VGhlIFNFQ1JFVCBpcyBvdXQK\n====\nYW5u", "=?utf-8?q?a?=b=?"]:
    add("decode", seed)
for s in singles[:30]:
    add("decode", s[:4096])

# rules: the examples of tests/rules as text, the rule files as files
for p in files(src + "/tests/rules/*.txt", 100):
    add("rules", read(p))
for p in files(src + "/rules/*.rules", 100):
    data = read(p)
    add("rules-file", data)
    for block in data.split(b"\nrule ")[1:]:
        add("rules-file", b"rule " + block)

# the thread index: ID byte, count of references, references; 0xff; seeds
for seed in [b"\x01\x00\x02\x01\x01\x03\x02\x01\x02\x04\x01\x09\xff\x01",
             b"\x01\x01\x02\x02\x01\x01\xff\x02",          # a loop
             b"\x01\x00\x01\x00\x00\x01\x01\xff\x01\x05",    # copies, no ID
             bytes(range(1, 40)) + b"\xff\x03\x04"]:
    add("thread-index", seed)

# manifests: what the built listscrub wrote, and hand-made lines
for p in files(work + "/m-*/*/manifest.jsonl", 10):
    add("manifest", read(p))
add("manifest", '{"t":"header","v":2}\n{"n":1,"t":"file"}\n{"n":1,"t":"act"}\n'
    '{"t":"footer","v":2}\n')

# pipermail: database files, and page + NUL + message pairs
for p in files(pm + "/*/database/*", 12):
    add("pm-marshal", read(p))
if corpora:
    tw = corpora + "/pipermail-twisted/archives/private/reality/database"
    for p in sorted(glob.glob(tw + "/*-article"), key=os.path.getsize)[:4]:
        add("pm-marshal", read(p))
for lst in files(pm + "/*", 4):
    for txt in files(lst + "/*.txt*", 3):
        vol = os.path.basename(txt).split(".txt")[0]
        pages = files(os.path.join(lst, vol) + "/[0-9]*.html", 100)
        msgs = messages_of(read(txt))
        for page, msg in zip(pages, msgs):
            add("pm-pair", read(page) + b"\x00" + msg, 30)

for t in sorted(os.listdir(out)):
    if not t.startswith("."):
        print("seeds.sh: %-13s %4d seeds" % (t, len(os.listdir(os.path.join(out, t)))))
PY
rm -rf "$work"
