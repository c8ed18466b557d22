#!/usr/bin/env python3
"""sweep.py -- stop a `purge --apply` at every write (or at random ones) and
check, apart from listscrub's code, what each stopped run left.

  sweep.py faults ARCHIVE SPEC [--max N]   SPEC any:eio, any:enospc or
                                           write:short: the run's Nth call
                                           of those kinds fails, N = 1..
                                           the calls of a clean run
  sweep.py kills ARCHIVE --count K --seed S
                                           K runs killed (SIGKILL) at a
                                           random write call (the fault
                                           library's :kill), K more after a
                                           random time
  sweep.py points ARCHIVE                  the write calls of a clean run

ARCHIVE is mbox, gz (a gzipped mbox), maildir, redact (an address redacted
in an mbox) or pipermail (a thread deleted from a Mailman 2.1 tree).
Environment: LISTSCRUB, FAULT_LIB, KEYS (sign.key, sign.pub,
incident.key), TEST_SRCDIR, FIXTURES; the work is done in the current
directory.

After each stopped run the archive must be the old tree or the new one
(byte for byte, a .gz by its decompressed bytes), or hold a journal the
next run finishes; a Maildir may be part-way when its finished manifest
records exactly the files gone.  The manifest directory must hold no
finished run that claims more than was done.  A rerun, unfaulted, must
exit 0, leave the new tree, no temp file, journal, lock or pending
intent, and runs (with the intents of interrupted runs the next one
resolved) that together record every change once; verify must pass its
manifest.
Exit 0 when every point passes, else 1 with each failure on a line.
"""
import argparse
import gzip
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

ENV = os.environ
LS = ENV.get("LISTSCRUB", "listscrub")
KEYS = ENV.get("KEYS", ".keys")
SRC = ENV.get("TEST_SRCDIR", ".")
BASIC = os.path.join(ENV.get("FIXTURES", os.path.join(SRC, "tests/fixtures")),
                     "basic/list.mbox")
PM_LIST = "archives/private/demo-list"
PM_THREAD = "FC1F7CD5-BB2E-35CB-F0F1-9C557067CBBE@example.org"
ENVELOPE = re.compile(rb"^From \S+ (Mon|Tue|Wed) Mar  \d [\d:]+ 2020$")


def basic():
    with open(BASIC, "rb") as f:
        return f.read()


def make(kind, root):
    """The archive KIND in ROOT; returns (path argument, selection)."""
    shutil.rmtree(root, ignore_errors=True)
    if kind == "pipermail":
        subprocess.run([sys.executable, os.path.join(SRC, "tests/cli/lib/mkpipermail.py"),
                        "--out", root, "--seed", "1"], check=True,
                       stdout=subprocess.DEVNULL)
        return (os.path.join(root, PM_LIST),
                ["--message-id", PM_THREAD, "--thread", "whole"])
    os.makedirs(root)
    if kind in ("mbox", "redact"):
        with open(os.path.join(root, "list.mbox"), "wb") as f:
            f.write(basic() + b"\n")
        sel = (["--address", "petra.vos@example.com"] if kind == "redact"
               else ["--message-id", "move-4@example.net"])
        return root, sel
    if kind == "gz":
        with gzip.open(os.path.join(root, "list.mbox.gz"), "wb") as f:
            f.write(basic())
        return root, ["--message-id", "move-4@example.net"]
    # maildir: one file per message of the basic list, its From_ line off
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(root, sub))
    out, n = None, 0
    for line in basic().split(b"\n")[:-1]:
        if ENVELOPE.match(line):
            n += 1
            out = open(os.path.join(root, "cur", "%03d:2,S" % n), "wb")
            continue
        out.write(line + b"\n")
    return root, ["--message-id", "move-1@example.org", "--thread=whole"]


def check_reference(kind, old, new):
    """What is wrong with the new tree of the unfaulted run, read apart
    from listscrub (trust_check's cleanarch split, Python's email), or
    None: the selected messages gone, every other one byte-identical
    (redact: as many messages, the address in none but as a Message-ID,
    which a redaction keeps).  A pipermail tree is
    checked by t5100 (pipermail_check.py)."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import trust_check
    if kind == "pipermail":
        return None
    if kind == "maildir":
        gone = [trust_check.message_id(old[k]) for k in set(old) - set(new)]
        if set(new) - set(old) or any(new[k] != old[k] for k in new):
            return "a message file changed or new"
        return None if sorted(gone) == ["move-%d@example.%s" % (i, "org" if i % 2 else "net")
                                        for i in range(1, 6)] else "gone: %s" % gone
    (name, a), = old.items()
    b = new[name]
    if kind == "gz":
        a, b = a[3:], b[3:]
    _, before = trust_check.split(a)
    _, after = trust_check.split(b)
    if kind == "redact":
        text = re.sub(rb"(?im)^(message-id|in-reply-to|references):.*\n", b"", b)
        ok = len(after) == len(before) and b"petra.vos@example.com" not in text.lower()
        return None if ok else "the address is left or a message lost"
    kept = [m for m in before if trust_check.message_id(m) != "move-4@example.net"]
    return None if after == kept and len(kept) == len(before) - 1 else \
        "not the old messages but move-4"


def temp_name(name):
    return "listscrub" in name or ".tmp-" in name


def lock_name(name):
    return (name.endswith(".lock") or ".lock." in name or name.endswith(".vm")
            or (name.startswith(".lk") and name.endswith("vm")))


def snapshot(root):
    """{relative path: bytes} of the archive, temp files and locks aside
    (a .gz by its decompressed bytes), and the list of those aside."""
    files, aside = {}, []
    for d, dirs, names in os.walk(root):
        for name in names + [x for x in dirs if os.path.islink(os.path.join(d, x))]:
            p = os.path.join(d, name)
            rel = os.path.relpath(p, root)
            if temp_name(name) or lock_name(name) or rel.startswith("locks/"):
                aside.append(rel)
            elif os.path.islink(p):
                files[rel] = b"->" + os.readlink(p).encode()
            elif name.endswith(".gz"):
                try:
                    with gzip.open(p) as f:
                        files[rel] = b"gz:" + f.read()
                except (OSError, EOFError) as e:
                    files[rel] = b"bad gz: " + str(e).encode()
            else:
                with open(p, "rb") as f:
                    files[rel] = f.read()
    return files, sorted(aside)


def manifest_runs(mdir):
    """[(name, header, acts, finished)] of the run directories in MDIR."""
    runs = []
    if not os.path.isdir(mdir):
        return runs
    for name in sorted(os.listdir(mdir)):
        path = os.path.join(mdir, name, "manifest.jsonl")
        if not re.fullmatch(r"\d{4}", name) or not os.path.exists(path):
            continue
        header, acts, footer = None, 0, None
        with open(path) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("t") == "header":
                    header = rec
                elif rec.get("t") == "act":
                    acts += 1
                elif rec.get("t") == "footer":
                    footer = rec
        runs.append((name, header, acts, footer is not None))
    return runs


def resolved_acts(mdir):
    """The acts of interrupted runs that the next run found made: each
    NNNN.interrupted-K holds the run's signed intent (its acts) and the
    resolution (each file's state: before, after or neither)."""
    n = 0
    if not os.path.isdir(mdir):
        return 0
    for name in os.listdir(mdir):
        d = os.path.join(mdir, name)
        if not re.fullmatch(r"\d{4}\.interrupted-\d+", name):
            continue
        with open(os.path.join(d, "intent.json")) as f:
            intent = json.load(f)
        with open(os.path.join(d, "resolution.json")) as f:
            state = {x["path"]: x["state"] for x in json.load(f)["files"]}
        n += sum(1 for a in intent["acts"] if state.get(a["file"]) == "after")
    return n


def purge(path, sel, mdir, env=None, timeout=120):
    cmd = [LS, "purge"] + sel + [
        "--apply", "--incident", "T-1", "--sign-key", os.path.join(KEYS, "sign.key"),
        "--incident-key", os.path.join(KEYS, "incident.key"),
        "--manifest-dir", mdir, "--lock-timeout", "1", path]
    return subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=timeout)


def verify(mdir, path):
    runs = [r[0] for r in manifest_runs(mdir)]
    cmd = [LS, "verify", "--manifest", os.path.join(mdir, runs[-1]),
           "--pubkey", os.path.join(KEYS, "sign.pub"),
           "--incident-key", os.path.join(KEYS, "incident.key")]
    if len(runs) > 1:
        cmd += ["--prev", os.path.join(mdir, runs[-2])]
    return subprocess.run(cmd + [path], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT)


def fault_env(spec=None, trace=None):
    env = dict(ENV)
    env["LD_PRELOAD"] = ENV["FAULT_LIB"]
    env["ASAN_OPTIONS"] = ENV.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
    env.pop("LISTSCRUB_FAULT", None)
    if spec:
        env["LISTSCRUB_FAULT"] = spec
    if trace:
        env["LISTSCRUB_FAULT_TRACE"] = os.path.abspath(trace)
    return env


class Sweep:
    def __init__(self, kind):
        self.kind = kind
        self.orig, self.path0 = "orig", None
        self.path0, self.sel = make(kind, self.orig)
        self.old, _ = snapshot(self.orig)
        ref = "ref"
        shutil.rmtree(ref, ignore_errors=True)
        shutil.copytree(self.orig, ref, symlinks=True)
        shutil.rmtree("ref.m", ignore_errors=True)
        p = purge(self.arg(ref), self.sel, "ref.m")
        if p.returncode != 0:
            sys.exit("sweep: the unfaulted %s run failed: %s" % (kind, p.stderr.decode()))
        self.new, _ = snapshot(ref)
        bad = check_reference(kind, self.old, self.new)
        if bad:
            sys.exit("sweep: the unfaulted %s run is wrong: %s" % (kind, bad))
        self.acts = sum(r[2] for r in manifest_runs("ref.m"))
        if self.new == self.old or self.acts == 0:
            sys.exit("sweep: the unfaulted %s run changed nothing" % kind)
        self.counts, self.failures = {}, []

    def arg(self, root):
        return os.path.join(root, os.path.relpath(self.path0, self.orig))

    def fresh(self):
        shutil.rmtree("t", ignore_errors=True)
        shutil.rmtree("t.m", ignore_errors=True)
        shutil.copytree(self.orig, "t", symlinks=True)

    def points(self, op="any"):
        self.fresh()
        if os.path.exists("trace"):
            os.unlink("trace")
        purge(self.arg("t"), self.sel, "t.m", env=fault_env(trace="trace"))
        with open("trace") as f:
            return sum(1 for line in f if op == "any" or line.startswith(op + " "))

    def state(self, now):
        if now == self.old:
            return "old"
        if now == self.new:
            return "new"
        if self.kind == "maildir":
            gone = set(self.old) - set(now)
            if (set(now) <= set(self.old) and gone <= set(self.old) - set(self.new)
                    and all(now[k] == self.old[k] for k in now)):
                return "part"
        return "mix"

    def check(self, label):
        """Judge what the stopped run left, then rerun and judge that."""
        now, aside = snapshot("t")
        st = self.state(now)
        journal = any(re.search(r"listscrub-(pipermail-)?journal$", a) for a in aside)
        if st == "mix" and journal:
            st = "journal"
        self.counts[st] = self.counts.get(st, 0) + 1
        bad = []
        if st == "mix":
            bad.append("a mix of old and new without a journal")
        runs = manifest_runs("t.m")
        claimed = sum(r[2] for r in runs if r[3])
        done = {"old": 0, "new": self.acts, "journal": self.acts,
                "part": len(set(self.old) - set(now))}.get(st, self.acts)
        if claimed > done:
            bad.append("finished manifests claim %d acts, %d were made (%s)"
                       % (claimed, done, st))
        if st == "part" and any(r[3] for r in runs) and claimed != done:
            bad.append("a part-way Maildir (%d files gone) recorded as %d acts"
                       % (done, claimed))
        p = purge(self.arg("t"), self.sel, "t.m")
        if p.returncode != 0:
            bad.append("the rerun exited %d: %s" % (p.returncode,
                                                    p.stderr.decode().strip()[-300:]))
        now, aside = snapshot("t")
        if now != self.new:
            bad.append("the rerun did not end in the new tree")
        left = aside + ["t.m/" + n for n in (os.listdir("t.m") if os.path.isdir("t.m") else [])
                        if temp_name(n) or n.endswith(".intent")]
        if left:
            bad.append("left after the rerun: %s" % " ".join(left))
        runs = manifest_runs("t.m")
        claimed = sum(r[2] for r in runs if r[3]) + resolved_acts("t.m")
        if p.returncode == 0 and claimed != self.acts:
            bad.append("the runs and resolved intents record %d acts in all, "
                       "the change was %d (%s)" % (claimed, self.acts, st))
        if p.returncode == 0 and runs:
            v = verify("t.m", self.arg("t"))
            if v.returncode != 0:
                bad.append("verify of the rerun's manifest: exit %d: %s" % (
                    v.returncode, " | ".join(l for l in v.stdout.decode().splitlines()
                                             if not l.startswith("OK"))[:300]))
        for b in bad:
            self.failures.append("%s %s: %s" % (self.kind, label, b))

    def report(self, what, n):
        states = ", ".join("%s %d" % kv for kv in sorted(self.counts.items()))
        print("%s %s: %d points (%s); %d failures"
              % (self.kind, what, n, states, len(self.failures)))
        for f in self.failures[:int(ENV.get("SWEEP_SHOW", "40"))]:
            print("  " + f)
        if len(self.failures) > int(ENV.get("SWEEP_SHOW", "40")):
            print("  ... %d more" % (len(self.failures) - int(ENV.get("SWEEP_SHOW", "40"))))
        return 1 if self.failures else 0


def faults(a):
    s = Sweep(a.archive)
    op, how = a.spec.split(":")
    total = s.points(op)
    n = min(total, a.max) if a.max else total
    for k in range(1, n + 1):
        s.fresh()
        p = purge(s.arg("t"), s.sel, "t.m", env=fault_env("%s:*:%d:%s" % (op, k, how)))
        if p.returncode < 0:
            s.failures.append("%s %s:%d: killed by signal %d" % (s.kind, a.spec, k, -p.returncode))
        s.check("%s:%d" % (a.spec, k))
    return s.report("%s (of %d)" % (a.spec, total), n)


def kills(a):
    s = Sweep(a.archive)
    rng = random.Random(a.seed)
    total = s.points()
    t0 = time.time()
    s.fresh()
    purge(s.arg("t"), s.sel, "t.m")
    runtime = time.time() - t0
    for i in range(a.count):
        k = rng.randint(1, total)
        s.fresh()
        purge(s.arg("t"), s.sel, "t.m", env=fault_env("any:*:%d:kill" % k))
        s.check("kill at call %d" % k)
    for i in range(a.count):
        delay = rng.uniform(0, runtime * 1.2)
        s.fresh()
        cmd = [LS, "purge"] + s.sel + [
            "--apply", "--incident", "T-1", "--sign-key", os.path.join(KEYS, "sign.key"),
            "--incident-key", os.path.join(KEYS, "incident.key"),
            "--manifest-dir", "t.m", s.arg("t")]
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        s.check("kill after %.4fs" % delay)
    return s.report("seed %d, %d write calls, %d killed at a call and %d after a time"
                    % (a.seed, total, a.count, a.count), 2 * a.count)


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("faults")
    f.add_argument("archive")
    f.add_argument("spec", choices=["any:eio", "any:enospc", "write:short"])
    f.add_argument("--max", type=int, default=0)
    k = sub.add_parser("kills")
    k.add_argument("archive")
    k.add_argument("--count", type=int, default=20)
    k.add_argument("--seed", type=int, default=1)
    p = sub.add_parser("points")
    p.add_argument("archive")
    a = ap.parse_args()
    if a.cmd == "points":
        print(Sweep(a.archive).points())
        return 0
    return faults(a) if a.cmd == "faults" else kills(a)


if __name__ == "__main__":
    sys.exit(main())
