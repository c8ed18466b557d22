#!/usr/bin/env python3
"""deliver.py -- append one message to an mbox the way Postfix's local(8)
does: open the file for appending first, then take the kernel lock
(fcntl, waiting), then the dotlock (MBOX.lock, created exclusively,
retried), append, fsync, and release in reverse order.

  deliver.py MBOX ID       appends a message with Message-ID <ID>

The descriptor is opened before the locks are had: a writer that replaces
the mbox by rename while this waits makes the message go to a file that
is gone.  That is the case listscrub must design out.
"""
import fcntl
import os
import sys
import time


def main():
    path, ident = sys.argv[1], sys.argv[2]
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    fcntl.lockf(fd, fcntl.LOCK_EX)          # F_SETLKW: waits
    lock = path + ".lock"
    deadline = time.time() + 120
    while True:
        try:
            os.close(os.open(lock, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                             0o644))
            break
        except FileExistsError:
            if time.time() > deadline:
                sys.exit("deliver.py: the dotlock was never released")
            time.sleep(0.02)
    message = (f"From deliver@example.org Sun Nov 29 12:00:00 2026\n"
               f"From: deliver@example.org\nMessage-ID: <{ident}>\n"
               f"Subject: delivered during a purge\n\n{ident}\n\n")
    os.write(fd, message.encode())
    os.fsync(fd)
    os.unlink(lock)
    fcntl.lockf(fd, fcntl.LOCK_UN)
    os.close(fd)


if __name__ == "__main__":
    main()
