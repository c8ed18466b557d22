#!/usr/bin/env python3
"""deliveries.py -- deliver mail into an archive while `purge --apply` runs
on it, at random moments, and count what is there after.

  deliveries.py MODE --runs N --seed S

MODE is postfix (deliver.py in Postfix local(8)'s order: open, kernel
lock, dotlock, append), procmail-order (deliver.py --procmail: dotlock
first), procmail (the real procmail, with a :0: lock recipe) or maildir
(deliveries into new/ by way of tmp/, and one left under way in tmp/).
Each run: a fresh archive (the basic list repeated, so that the purge
takes a while), 1 to 3 delivery processes started and waiting, the
purge started, and each delivery let go at a random moment within about
the purge's own time.  After both:

  purge exited 0 (a delivery that lands while it reads must not make it
  fail); every delivered message is there exactly once; every message of
  the archive not selected is byte-identical and in order; nothing
  selected is left; a Maildir delivery still in tmp/ is untouched.

Environment: LISTSCRUB, KEYS, TEST_SRCDIR (FIXTURES).  Prints the seed and
a summary; exit 1 and each failure on a line when one run fails.
"""
import argparse
import os
import random
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import trust_check  # noqa: E402  (its cleanarch mbox split, Python's email)

ENV = os.environ
LS = ENV.get("LISTSCRUB", "listscrub")
KEYS = ENV.get("KEYS", ".keys")
SRC = ENV.get("TEST_SRCDIR", ".")
BASIC = os.path.join(ENV.get("FIXTURES", os.path.join(SRC, "tests/fixtures")),
                     "basic/list.mbox")
DELIVER = os.path.join(SRC, "tests/cli/lib/deliver.py")
SELECTED = "move-4@example.net"
COPIES = 100


def purge_cmd(path, mdir, sel):
    return [LS, "purge"] + sel + [
        "--apply", "--incident", "T-1", "--sign-key", os.path.join(KEYS, "sign.key"),
        "--incident-key", os.path.join(KEYS, "incident.key"),
        "--manifest-dir", mdir, "--lock-timeout", "60", path]


def ids(messages):
    return [trust_check.message_id(m) for m in messages]


class Mbox:
    sel = ["--message-id", SELECTED]

    def __init__(self):
        with open(BASIC, "rb") as f:
            one = f.read() + b"\n"
        self.orig = one * COPIES
        _, msgs = trust_check.split(self.orig)
        self.kept = [m for m in msgs if trust_check.message_id(m) != SELECTED]

    def fresh(self):
        shutil.rmtree("d", ignore_errors=True)
        os.makedirs("d")
        with open("d/list.mbox", "wb") as f:
            f.write(self.orig)
        return "d/list.mbox"

    def check(self, delivered, extra):
        with open("d/list.mbox", "rb") as f:
            pre, msgs = trust_check.split(f.read())
        bad = []
        if pre:
            bad.append("bytes before the first message")
        got = ids(msgs)
        old = [m for m in msgs if trust_check.message_id(m) not in delivered]
        if old != self.kept:
            bad.append("the kept messages are not the old ones byte for byte "
                       "(%d there, %d expected)" % (len(old), len(self.kept)))
        for d in delivered:
            if got.count(d) != 1:
                bad.append("delivered <%s> is there %d times" % (d, got.count(d)))
        if os.path.exists("d/list.mbox.lock"):
            bad.append("a dotlock is left")
        return bad


class Maildir:
    sel = ["--message-id", SELECTED]

    def fresh(self):
        shutil.rmtree("d", ignore_errors=True)
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join("d", sub))
        with open(BASIC, "rb") as f:
            _, msgs = trust_check.split(f.read())
        self.orig = {}
        for i in range(COPIES // 2):
            for j, m in enumerate(msgs):
                body = m.split(b"\n", 1)[1]            # the From_ line off
                name = "%04d.%d.host:2,S" % (i, j)
                with open(os.path.join("d/cur", name), "wb") as f:
                    f.write(body)
                self.orig[name] = body
        return "d"

    def check(self, delivered, under_way):
        bad = []
        cur = {}
        for name in os.listdir("d/cur"):
            with open(os.path.join("d/cur", name), "rb") as f:
                cur[name] = f.read()
        want = {n: b for n, b in self.orig.items()
                if trust_check.message_id(b) != SELECTED}
        if cur != want:
            bad.append("cur/ is not the old messages but the selected ones "
                       "(%d there, %d expected)" % (len(cur), len(want)))
        seen = []
        for name in os.listdir("d/new"):
            with open(os.path.join("d/new", name), "rb") as f:
                seen.append(trust_check.message_id(f.read()))
        for d in delivered:
            if seen.count(d) != 1:
                bad.append("delivered <%s> is in new/ %d times" % (d, seen.count(d)))
        tmp = [n for n in os.listdir("d/tmp")]
        for u in under_way:
            if len([n for n in tmp if n.endswith("." + u)]) != 1:
                bad.append("the delivery under way <%s> is not in tmp/" % u)
        return bad


class Delivery:
    """A delivery process started early, waiting: go() lets it run."""

    def __init__(self, mode, path, ident):
        if mode == "procmail":
            rc = "rc.procmail"
            with open(rc, "w") as f:
                f.write("LOCKSLEEP=1\n:0:\n%s\n" % os.path.abspath(path))
            os.chmod(rc, 0o644)
            self.text = ("From %s Sun Nov 29 12:00:00 2026\nFrom: p@example.org\n"
                         "Message-ID: <%s>\n\nhello\n\n" % (ident, ident)).encode()
            cmd = ["procmail", "-m", rc]     # reads the message, then delivers
        else:
            self.text = b"go"
            flag = {"postfix": [], "procmail-order": ["--procmail"],
                    "maildir": ["--maildir"]}[mode]
            cmd = [sys.executable, DELIVER, "--wait"] + flag + [path, ident]
        self.p = subprocess.Popen(cmd, stdin=subprocess.PIPE)

    def go(self):
        self.p.stdin.write(self.text)
        self.p.stdin.close()

    def wait(self):
        return self.p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["postfix", "procmail-order", "procmail", "maildir"])
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    box = Maildir() if a.mode == "maildir" else Mbox()
    path = box.fresh()
    t0 = time.time()
    subprocess.run(purge_cmd(path, "m", box.sel), check=True, stdout=subprocess.DEVNULL)
    took = time.time() - t0
    failures, delivered_total, purge_failed, during = [], 0, 0, 0
    for run in range(a.runs):
        path = box.fresh()
        shutil.rmtree("m", ignore_errors=True)
        delivered = ["r%d-%d-%s@example.org" % (run, k, a.mode)
                     for k in range(rng.randint(1, 3))]
        procs, under_way = [Delivery(a.mode, path, d) for d in delivered], []
        time.sleep(0.15)                     # the interpreters are up
        purge = subprocess.Popen(purge_cmd(path, "m", box.sel),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        t0 = time.time()
        for moment, p in sorted(((rng.uniform(0, took * 1.2), p) for p in procs),
                                key=lambda x: x[0]):
            time.sleep(max(0, moment - (time.time() - t0)))
            during += purge.poll() is None
            p.go()
        if a.mode == "maildir":
            ident = "r%d-tmp@example.org" % run
            subprocess.run([sys.executable, DELIVER, "--maildir-tmp", path, ident], check=True)
            under_way.append(ident)
        err = purge.communicate()[1].decode()
        bad = [] if purge.returncode == 0 else [
            "purge exited %d: %s" % (purge.returncode, err.strip()[-300:])]
        purge_failed += purge.returncode != 0
        for p in procs:
            if p.wait() != 0:
                bad.append("a delivery failed (exit %d)" % p.p.returncode)
        delivered_total += len(delivered)
        bad += box.check(delivered, under_way)
        failures += ["run %d: %s" % (run, b) for b in bad]
    print("%s: seed %d, %d runs, %d messages delivered, %d of them let go while the "
          "purge ran (one purge takes %.2fs), %d purges failed, %d failures"
          % (a.mode, a.seed, a.runs, delivered_total, during, took, purge_failed,
             len(failures)))
    for f in failures[:40]:
        print("  " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
