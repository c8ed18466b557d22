#!/usr/bin/env python3
"""progress_check.py TTYLOG MESSAGES -- the terminal got progress lines
(bytes done of the total, messages, rate, ETA) redrawn with CR, the last
one at the total with MESSAGES messages (0: not checked), and the line was
erased at the end: the transcript ends with CR, spaces, CR."""
import re
import sys

data = open(sys.argv[1], "rb").read().decode("ascii")
want_messages = int(sys.argv[2])
size = r"(\d+(?:\.\d)?) (B|kB|MB|GB)"
line_re = re.compile(r"listscrub: " + size + " of " + size +
                     r", (\d+) messages, " + size + r"/s, ETA (\d+:\d\d|--:--)")
lines = [s for s in data.split("\r") if s.strip()]
if not lines:
    sys.exit("no progress line on the terminal")
for s in lines:
    if not line_re.fullmatch(s.rstrip(" ")):
        sys.exit("not a progress line: %r" % s)
if not re.search(r"\r +\r$", data):
    sys.exit("the line was not erased at the end: %r" % data[-80:])
last = line_re.fullmatch(lines[-1].rstrip(" "))
if last.group(1, 2) != last.group(3, 4):
    sys.exit("the last line is not at the total: %r" % lines[-1])
if want_messages and int(last.group(5)) != want_messages:
    sys.exit("the last line counts %s messages, not %d" % (last.group(5),
                                                           want_messages))
if not any(re.search(r"ETA \d+:\d\d", s) for s in lines):
    sys.exit("no line with an ETA")
if not any(float(line_re.fullmatch(s.rstrip(" ")).group(6)) > 0
           for s in lines):
    sys.exit("no line with a rate")
