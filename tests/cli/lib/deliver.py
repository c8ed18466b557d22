#!/usr/bin/env python3
"""deliver.py -- append one message to an mbox the way Postfix's local(8)
does: open the file for appending first, then take the kernel lock
(fcntl), then the dotlock (MBOX.lock, created exclusively), append, fsync,
and release in reverse order.  As local(8) does, each lock is tried a
bounded number of times (deliver_lock_attempts, deliver_lock_delay,
scaled down here); when one is not had, everything is released and the
delivery is deferred: the queue manager tries it again a little later.

  deliver.py MBOX ID           appends a message with Message-ID <ID>
  deliver.py --procmail MBOX ID
                               the same in procmail's order: the dotlock
                               first (waiting), then open, the kernel lock
                               (waiting), append
  deliver.py --maildir DIR ID  a Maildir delivery: the message written to
                               tmp/, fsynced, linked into new/, its tmp/
                               name unlinked
  deliver.py --maildir-tmp DIR ID
                               a delivery still under way: the message
                               in tmp/ only, for the reader to leave alone

With --wait first, it waits until a byte comes on its standard input (a
test starts it early, then lets it go at the moment it chooses).

The descriptor is opened before the locks are had: a writer that replaces
the mbox by rename while this waits makes the message go to a file that
is gone.  That is the case listscrub must design out.
"""
import fcntl
import os
import sys
import time


ATTEMPTS, DELAY = 20, 0.05      # local(8): 20 attempts, 1s apart
DEADLINE = time.time() + 120    # the queue's retries, in short


def dotlock(path, attempts=None):
    """The dotlock, or None after ATTEMPTS (None: wait for it)."""
    lock = path + ".lock"
    n = 0
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o644))
            return lock
        except FileExistsError:
            n += 1
            if attempts is not None and n >= attempts:
                return None
            if time.time() > DEADLINE:
                sys.exit("deliver.py: the dotlock was never released")
            time.sleep(DELAY)


def kernel_lock(fd):
    for _ in range(ATTEMPTS):
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except OSError:
            time.sleep(DELAY)
    return False


def postfix(path, ident):
    """Open, kernel lock, dotlock, append; deferred and tried again when
    a lock is not had in its attempts."""
    while time.time() < DEADLINE:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        if kernel_lock(fd):
            lock = dotlock(path, ATTEMPTS)
            if lock:
                os.write(fd, message(ident))
                os.fsync(fd)
                os.unlink(lock)
                fcntl.lockf(fd, fcntl.LOCK_UN)
                os.close(fd)
                return
            fcntl.lockf(fd, fcntl.LOCK_UN)
        os.close(fd)
        time.sleep(0.2)                 # deferred; the queue retries
    sys.exit("deliver.py: deferred until the deadline")


def message(ident, envelope=True):
    text = (f"From: deliver@example.org\nMessage-ID: <{ident}>\n"
            f"Subject: delivered during a purge\n\n{ident}\n")
    if envelope:
        text = f"From deliver@example.org Sun Nov 29 12:00:00 2026\n{text}\n"
    return text.encode()


def maildir(root, ident, finish):
    name = f"{time.time():.6f}.P{os.getpid()}.{ident}"
    tmp = os.path.join(root, "tmp", name)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, message(ident, envelope=False))
    os.fsync(fd)
    os.close(fd)
    if finish:
        os.link(tmp, os.path.join(root, "new", name))
        os.unlink(tmp)


def main():
    args = sys.argv[1:]
    if args[0] == "--wait":
        args.pop(0)
        sys.stdin.read(1)
    mode = args.pop(0) if args[0].startswith("--") else "--postfix"
    path, ident = args
    if mode.startswith("--maildir"):
        maildir(path, ident, mode == "--maildir")
        return
    if mode == "--postfix":
        postfix(path, ident)
        return
    lock = dotlock(path)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    fcntl.lockf(fd, fcntl.LOCK_EX)          # F_SETLKW: waits
    os.write(fd, message(ident))
    os.fsync(fd)
    os.unlink(lock)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)


if __name__ == "__main__":
    main()
