#!/usr/bin/env python3
"""on_tty.py TTYLOG OUT CMD... -- run CMD with its stderr (and stdin) on a
new pseudo-terminal and its stdout into OUT; what the terminal received
goes to TTYLOG.  Exits with CMD's status."""
import os
import subprocess
import sys

tty_log, out_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
master, slave = os.openpty()
with open(out_path, "wb") as out:
    proc = subprocess.Popen(cmd, stdin=slave, stdout=out, stderr=slave)
os.close(slave)
seen = bytearray()
while True:
    try:
        chunk = os.read(master, 65536)
    except OSError:         # EIO: every writer closed the terminal
        break
    if not chunk:
        break
    seen += chunk
status = proc.wait()
with open(tty_log, "wb") as log:
    log.write(seen)
sys.exit(status)
