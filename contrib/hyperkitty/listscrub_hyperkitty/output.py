"""Files listscrub reads back: private (mode 0600), reports atomic."""
import json
import os
import sys
import tempfile


def create_private(path):
    """A new binary file, mode 0600; fails if it exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return os.fdopen(fd, "wb")


def json_bytes(obj):
    return (json.dumps(obj, sort_keys=True, ensure_ascii=True) + "\n").encode(
        "ascii")


def write_report(obj, path=None):
    """To path (atomically, mode 0600), or to stdout."""
    data = json_bytes(obj)
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".listscrub-report-")
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), 0o600)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
