#!/usr/bin/env python3
"""oracle.py -- random purges checked by a reader written apart from
listscrub's C code.

For each round, a copy of the archive is made, a selection is drawn at
random from what this script itself reads in the archive (Message-IDs,
addresses of From headers and of From_ lines, or the default personal-data
rules), listscrub purge plans it, applies it (delete or redact) with a
signed manifest, and verify checks the run.  Then this script asserts, by
its own reading of the files before and after:

  - every message that was not deleted or redacted is byte-identical and
    in the same order; every file that is not mail is byte-identical, and
    a compressed file is still compressed;
  - a redacted message keeps its place and its MIME structure;
  - nothing selected is left: no message with a deleted Message-ID, no
    selected address in any decoded form (headers, RFC 2047, QP, base64,
    HTML entities, %40, the spelled-out forms, the From_ line) anywhere in
    the archive, no matched rule text in the message it was found in;
  - the printed plan, the printed result and the manifest's acts agree;
  - listscrub verify passes the run.

Its own mbox split is cleanarch's rule (trust_check.py): a From_ line with
an envelope date followed by a header line.  Messages are read with
Python's email package.  Binary attachments (decoded bytes that are not
text) are not searched here either: listscrub counts them as unsearched.

  oracle.py --listscrub BIN --archive PATH --work DIR --seeds A-B
            [--kinds msgid,address,rules] [--actions delete,redact]
            [--json REPORT]

Exit 0 when every round held; 1 with the failures listed.
"""
import argparse
import email
import email.header
import email.policy
import gzip
import html
import json
import os
import random
import re
import shutil
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "cli", "lib"))
import trust_check  # noqa: E402  (its own split: cleanarch's rule)

ADDRESS = re.compile(rb"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
FIELD = re.compile(rb"^[!-9;-~]+:")


class Failure(Exception):
    pass


# ---- reading an archive by our own rules ---------------------------------

def read_bytes(path):
    data = open(path, "rb").read()
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data), True
    return data, False


UNDATED = re.compile(rb"^From (-|[^\s@]+@[^\s@]+) *\r?$")


def is_separator(line, nxt, first):
    """A From_ line with an envelope date (cleanarch), or an undated one
    of a lone sender "-" or address, followed by a header line; the first
    line of a file needs only the header line after it."""
    if not line.startswith(b"From ") or not FIELD.match(nxt):
        return False
    return first or bool(trust_check.CTIME.match(line) or
                         trust_check.RFC822.match(line) or
                         UNDATED.match(line))


def split_mbox(data):
    """(preamble, [message bytes]) by our own reading of mbox files."""
    bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    lines = data[bom:].split(b"\n")
    starts, pos, first = [], bom, True
    for i, line in enumerate(lines):
        nxt = lines[i + 1] if i + 1 < len(lines) else b""
        if is_separator(line, nxt, first):
            starts.append(pos)
        if line.strip():
            first = False
        pos += len(line) + 1
    if not starts:
        return data, []
    ends = starts[1:] + [len(data)]
    return data[:starts[0]], [data[a:b] for a, b in zip(starts, ends)]


def classify(path, data):
    """mbox, message, or other (never changed by listscrub)."""
    start = data.lstrip(b"\xef\xbb\xbf").lstrip(b"\r\n")
    lines = start.split(b"\n", 2)
    if len(lines) > 1 and is_separator(lines[0], lines[1], True):
        return "mbox"
    if FIELD.match(start):
        return "message"
    return "other"


def read_archive(root):
    """{relative path: (kind, compressed, bytes, [message bytes])}."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            if os.path.islink(path) or not os.path.isfile(path):
                continue
            rel = os.path.relpath(path, root)
            if name.endswith(".lock") or ".listscrub-" in name:
                continue
            data, gz = read_bytes(path)
            kind = classify(path, data)
            msgs = (split_mbox(data)[1] if kind == "mbox"
                    else [data] if kind == "message" else [])
            files[rel] = (kind, gz, data, msgs)
    return files


def part_text(part):
    """The decoded text of a leaf part; None for a multipart, or for
    binary data (not searched: listscrub counts it as unsearched)."""
    if part.is_multipart():
        return None
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception:
        return None
    if part.get_content_maintype() != "text":
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            return None
        return None if "\x00" in text else text
    try:
        return payload.decode(part.get_content_charset() or "utf-8",
                              "replace")
    except LookupError:
        return payload.decode("latin-1")


def decoded_texts(raw, headers=True):
    """Every text a reader could see in a message, lower-cased; without
    headers, those of its parts' bodies only (what the rules read)."""
    if headers:
        texts = [raw.decode("latin-1")]
        first = raw.split(b"\n", 1)[0]
        if first.startswith(b"From "):
            texts.append(first.decode("latin-1"))
    else:
        texts = []
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return [t.lower() for t in texts]
    for part in msg.walk():
        for name, value in part.items() if headers else ():
            try:
                words = email.header.decode_header(str(value))
                texts.append(name + ": " + "".join(
                    w.decode(c or "latin-1", "replace")
                    if isinstance(w, bytes) else w for w, c in words))
            except Exception:
                texts.append(name + ": " + str(value))
        text = part_text(part)
        if text is not None:
            texts += [text, html.unescape(text), urllib.parse.unquote(text)]
    out = []
    for t in texts:
        t = without_ids(t.replace("\r\n", "\n").replace("\r", "\n")).lower()
        out += [t, re.sub(r"\s+", " ", t)]        # unfolded
    return out


ID_FIELD = re.compile(r"^[> \t]*(message-id|references|in-reply-to)[ \t]*:",
                      re.I)


def without_ids(text):
    """The <...> tokens of Message-ID, References and In-Reply-To lines
    (quoted or folded too) name messages, not people: listscrub leaves
    them, and so does this check."""
    out, in_field = [], False
    for line in text.split("\n"):
        if ID_FIELD.match(line):
            in_field = True
        elif not line[:1] in (" ", "\t"):
            in_field = False
        out.append(re.sub(r"<[^<>\s]*>", "<>", line) if in_field else line)
    return "\n".join(out)


def payload_text(raw):
    """The decoded text of every leaf part, once (for counting)."""
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return raw.decode("latin-1").lower()
    texts = (part_text(p) for p in msg.walk())
    return without_ids("\n".join(t for t in texts if t is not None)).lower()


def forms(address):
    local, domain = address.lower().rsplit("@", 1)
    return [f"{local}@{domain}", f"{local} at {domain}",
            f"{local}(at){domain}", f"{local} (at) {domain}",
            f"{local}(a){domain}"]


def address_pattern(address):
    """Any form of address, as a whole: not the tail of a longer local
    part, not the head of a longer domain ("x@a.org.0" is not "x@a.org")."""
    alts = "|".join(re.escape(f) for f in forms(address))
    return re.compile(r"(?<![a-z0-9._%+'-])(?:" + alts +
                      r")(?![a-z0-9-]|\.[a-z0-9])")


def holds_address(raw, address):
    pat = address_pattern(address)
    return any(pat.search(t) for t in decoded_texts(raw))


def mime_shape(raw):
    try:
        msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    except Exception:
        return None
    return [p.get_content_type() for p in msg.walk()]


def message_id(raw):
    return trust_check.message_id(raw)


# ---- choosing a selection ----------------------------------------------------

def all_messages(files):
    for rel, (kind, gz, data, msgs) in files.items():
        for i, m in enumerate(msgs):
            yield rel, i, m


def pick_selection(rng, files, kind):
    msgs = list(all_messages(files))
    if not msgs:
        return None
    if kind == "msgid":
        ids = sorted({message_id(m) for _, _, m in msgs} - {None, ""})
        if not ids:
            return None
        chosen = rng.sample(ids, min(len(ids), rng.randint(1, 3)))
        return {"kind": "msgid", "ids": chosen,
                "args": [a for i in chosen for a in ("--message-id", i)] +
                ["--thread=none"]}
    if kind == "address":
        found = set()
        for _, _, m in rng.sample(msgs, min(len(msgs), 40)):
            head = m.split(b"\n\n", 1)[0]
            first = head.split(b"\n", 1)[0]
            for line in [first] + [l for l in head.split(b"\n")
                                   if l.lower().startswith(b"from:")]:
                found.update(a.decode("latin-1").lower()
                             for a in ADDRESS.findall(line))
        found = sorted(a for a in found if not a.startswith("."))
        if not found:
            return None
        chosen = rng.sample(found, min(len(found), rng.randint(1, 2)))
        return {"kind": "address", "addresses": chosen,
                "args": [a for x in chosen for a in ("--address", x)]}
    if kind == "rules":
        return {"kind": "rules", "args": []}      # the default rule set
    raise ValueError(kind)


# ---- running listscrub -----------------------------------------------------------

def errors_of(err):
    """The error lines of listscrub's stderr (not its notes)."""
    lines = [l for l in err.splitlines() if ": not-mail:" not in l and
             ": separator-without-blank-line:" not in l]
    return " | ".join(lines)[:300]


def run(cmd, env):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       env=env)
    return p.returncode, p.stdout.decode("utf-8", "replace"), \
        p.stderr.decode("utf-8", "replace")


def json_items(out):
    """The items of a command's JSON output: not its header line nor its
    summary line (listscrub(1) OUTPUT)."""
    return [j for j in (json.loads(l) for l in out.splitlines()
                        if l.startswith("{"))
            if "listscrub" not in j and "summary" not in j]


def items_of(out):
    """The message lines of purge's JSON output."""
    return [j for j in json_items(out) if "pipermail" not in j]


def pipermail_made(out, arch):
    """The pipermail files purge says it changed (pages, indexes,
    database, attachments: tests/cli/lib/pipermail_check.py checks them
    on their own)."""
    return {os.path.relpath(j["path"], arch) for j in json_items(out)
            if "pipermail" in j and j["state"] == "made"}


def item_key(item, arch):
    rel = os.path.relpath(item["path"], arch)
    return (rel, 0 if item["format"] == "maildir" else item["index"])


# ---- the checks -------------------------------------------------------------

def check_files(before, after, result, sel, arch, pm_made=frozenset()):
    """Kept bytes, order, compression, structure, nothing selected left."""
    changed = {}
    for it in result:
        if it["state"] in ("deleted", "redacted"):
            changed[item_key(it, arch)] = it
    for rel, (kind, gz, data, msgs) in before.items():
        now = after.get(rel)
        keys = [(rel, i) for i in range(len(msgs))]
        gone = [k for k in keys if changed.get(k, {}).get("state") == "deleted"]
        if rel in pm_made:
            continue            # a pipermail page, database or attachment
        if kind == "other" or not msgs:
            if now is None or now[2] != data:
                raise Failure(f"{rel}: not mail, but changed")
            continue
        if kind == "message" and gone:
            if now is not None:
                raise Failure(f"{rel}: deleted, but still there")
            continue
        if now is None and len(gone) == len(msgs):
            continue            # every message deleted: the file may go
        if now is None:
            raise Failure(f"{rel}: gone, but only {len(gone)} of its "
                          f"{len(msgs)} messages were deleted")
        if now[1] != gz:
            raise Failure(f"{rel}: compression changed")
        kept = [(i, m) for i, m in enumerate(msgs) if (rel, i) not in gone]
        if len(now[3]) != len(kept):
            raise Failure(f"{rel}: {len(now[3])} messages after, "
                          f"{len(kept)} expected")
        for (i, m), n in zip(kept, now[3]):
            if changed.get((rel, i), {}).get("state") == "redacted":
                if mime_shape(m) != mime_shape(n):
                    raise Failure(f"{rel}#{i}: redaction changed the MIME "
                                  "structure")
                if m == n:
                    raise Failure(f"{rel}#{i}: reported redacted, unchanged")
            elif m != n:
                raise Failure(f"{rel}#{i}: not selected, but changed")
    for rel in after:
        if rel not in before:
            raise Failure(f"{rel}: a new file")


def check_gone(before, after, result, sel, arch):
    """Nothing selected is left (see the module's comment)."""
    if sel["kind"] == "msgid":
        want = {i.strip("<>") for i in sel["ids"]}
        for rel, i, m in all_messages(after):
            if message_id(m) in want:
                raise Failure(f"{rel}#{i}: a deleted Message-ID is still "
                              "there")
    elif sel["kind"] == "address":
        for rel, i, m in all_messages(after):
            if after[rel][0] == "other":
                continue
            for a in sel["addresses"]:
                if holds_address(m, a):
                    raise Failure(f"{rel}#{i}: a selected address is still "
                                  "readable")
    else:       # rules: each matched text out of the message it was in
        for it in result:
            if it["state"] != "redacted":
                continue
            rel, i = item_key(it, arch)
            n = after[rel][3][i - sum(
                1 for x in result if x["state"] == "deleted" and
                item_key(x, arch)[0] == rel and item_key(x, arch)[1] < i)]
            was = payload_text(before[rel][3][i])
            now = payload_text(n)
            texts = {}
            for mt in it["matches"]:
                t = (mt.get("text") or "").lower()
                if len(t) >= 6:
                    texts[t] = texts.get(t, 0) + 1
            # a matched text left the part texts it was in; where the
            # same text also stands in a context the rules ignore (a list
            # footer) or in a header, it may stay there: at least one
            # occurrence must go, and never more stay than were not matched
            for t, k in texts.items():
                pat = (address_pattern(t) if "@" in t and " " not in t
                       else re.compile(re.escape(t)))
                left, had = len(pat.findall(now)), len(pat.findall(was))
                if had and (left >= had or left > had - min(k, had) + k):
                    raise Failure(f"{rel}#{i}: {left} of {had} occurrences "
                                  f"of a text rule matched {k} times are "
                                  "still readable")


def check_agreement(plan, result, manifest_dir, arch):
    if [item_key(p, arch) for p in plan] != [item_key(r, arch) for r in result]:
        raise Failure("the plan and the result list different messages")
    for p, r in zip(plan, result):
        if p["action"] != r["action"]:
            raise Failure(f"{item_key(p, arch)}: planned {p['action']}, "
                          f"done {r['action']}")
        want = {"planned": {"deleted", "redacted"},
                "nothing-to-redact": {"nothing-to-redact"},
                "deferred-by-limit": {"deferred-by-limit"},
                "flagged": {"flagged"}, "not-mail": {"not-mail"},
                "pipermail-rewrite": {"pipermail-rewritten"},
                "pipermail-remove": {"pipermail-removed"}}
        if r["state"] not in want.get(p["state"], {p["state"]}):
            raise Failure(f"{item_key(p, arch)}: planned {p['state']}, "
                          f"result {r['state']}")
    lines = [json.loads(l) for l in open(os.path.join(manifest_dir,
                                                      "manifest.jsonl"))]
    acts = {(a["file"], a["pos_before"]["index"]): a["action"]
            for a in lines if a["t"] == "act"}
    done = {item_key(r, arch): ("delete-message" if r["state"] == "deleted"
                                else "redact-message")
            for r in result if r["state"] in ("deleted", "redacted")}
    if acts != done:
        raise Failure(f"the manifest's acts ({len(acts)}) are not the "
                      f"changes printed ({len(done)})")


# ---- a round ------------------------------------------------------------------

def one_round(args, env, keys, seed, kind, action):
    rng = random.Random(f"{seed}-{kind}-{action}")
    work = os.path.join(args.work, f"r{seed}-{kind}-{action}")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    arch = os.path.join(work, "arch")
    if os.path.isdir(args.archive):
        shutil.copytree(args.archive, arch, symlinks=True)
    else:
        os.makedirs(arch)
        shutil.copy(args.archive, arch)
    before = read_archive(arch)
    sel = pick_selection(rng, before, kind)
    if sel is None:
        return "skipped: nothing to select"
    json.dump(sel, open(os.path.join(work, "selection.json"), "w"))
    base = [args.listscrub, "purge"] + sel["args"] + [
        "--action", action, "--format", "json", "--show-matches"]
    if kind == "msgid" and action == "redact":
        return "skipped: Message-IDs select whole messages"
    rc, out, err = run(base + [arch], env)
    if rc != 0:
        return f"refused to plan (exit {rc}): {errors_of(err)}"
    plan = items_of(out)
    mdir = os.path.join(work, "m")
    rc, out, err = run(base + [
        "--apply", "--incident", "ORACLE", "--sign-key", keys[0],
        "--incident-key", keys[1], "--manifest-dir", mdir, arch], env)
    if rc != 0:
        if read_archive(arch) != before or os.path.exists(mdir + "/0001"):
            raise Failure(f"purge failed (exit {rc}) but changed the "
                          f"archive or wrote a manifest: {errors_of(err)}")
        return f"refused (exit {rc}), nothing changed: {errors_of(err)}"
    result = items_of(out)
    apply_out = out
    after = read_archive(arch)
    check_agreement(plan, result, os.path.join(mdir, "0001"), arch)
    check_files(before, after, result, sel, arch, pipermail_made(out, arch))
    check_gone(before, after, result, sel, arch)
    rc, out, err = run([args.listscrub, "verify", "--manifest",
                        os.path.join(mdir, "0001"), "--pubkey", keys[2],
                        "--incident-key", keys[1], arch], env)
    not_mail = {os.path.abspath(r["path"]) for r in result
                if r["state"] == "not-mail"}
    # a kept message's data stays in the pipermail files that show it
    # beside removed ones (indexes, neighbours, database, contents);
    # never in a tombstone or an attachment removed
    not_mail |= {os.path.abspath(j["path"]) for j in json_items(apply_out)
                 if j.get("pipermail") in ("neighbour", "index", "toc",
                                           "database")}
    failed = [l for l in out.splitlines() if l.startswith("FAIL")]
    gone_in = [l.split(": ", 1)[0].strip() for l in
               out.split("FAIL         gone", 1)[-1].splitlines()[1:]
               if l.startswith("    ") and not l.startswith("    note:")
               and "(more not shown)" not in l]
    if rc != 0 and not (len(failed) == 1 and "files that are not mail" in
                        failed[0] and gone_in and
                        all(os.path.abspath(p) in not_mail for p in gone_in)):
        raise Failure(f"verify exit {rc}: " + " | ".join(failed)[:300])
    shutil.rmtree(work)
    n = sum(1 for r in result if r["state"] in ("deleted", "redacted"))
    return f"ok: {n} messages changed"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--listscrub", required=True)
    ap.add_argument("--archive", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--seeds", default="1-3")
    ap.add_argument("--kinds", default="msgid,address,rules")
    ap.add_argument("--actions", default="delete,redact")
    ap.add_argument("--json")
    args = ap.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    env = dict(os.environ, LC_ALL="C")
    os.makedirs(args.work, exist_ok=True)
    keys = (os.path.join(args.work, "k.key"),
            os.path.join(args.work, "i.key"),
            os.path.join(args.work, "k.pub"))
    if not os.path.exists(keys[0]):
        run([args.listscrub, "keygen", "--out",
             os.path.join(args.work, "k")], env)
        run([args.listscrub, "keygen", "--incident-key", keys[1]], env)
    rounds, failures = [], 0
    for seed in seeds:
        for kind in args.kinds.split(","):
            for action in args.actions.split(","):
                try:
                    what = one_round(args, env, keys, seed, kind, action)
                    ok = True
                except Failure as f:
                    what, ok = f"FAILED: {f}", False
                    failures += 1
                rounds.append({"seed": seed, "kind": kind, "action": action,
                               "ok": ok, "what": what})
                print(f"{os.path.basename(args.archive.rstrip('/'))} seed "
                      f"{seed} {kind} {action}: {what}")
    ran = sum(1 for r in rounds if r["what"].startswith(("ok", "FAILED")))
    print(f"# {len(rounds)} rounds, {ran} run to the end, {failures} failed")
    if args.json:
        json.dump({"rounds": rounds, "failures": failures}, open(args.json, "w"),
                  indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
