#!/usr/bin/env python3
"""layers.py SRC -- check the layering of src/ (doc/design/architecture.txt).

Also: no file over MAX_LINES lines unless it says it is one concept.

Every file under SRC/<folder>/ may include project headers of its own
folder and of the folders below it, never above; a "*-private.h" header
only from its own folder; and the headers of the libraries that are kept
behind a few folders (Mailutils, PCRE2, jansson, libarchive, OpenSSL)
only there.
Prints one line per violation and exits 1 when there is any."""
import os
import re
import sys

LAYERS = ["lib", "mail", "detect", "select", "audit", "act", "hyperkitty",
          "sweep", "cli"]

# library header (prefix) -> where it may be included: folders, or
# folder/file for a single file
LIBRARIES = {
    "mailutils/": {"mail"},
    "lockfile.h": {"act/lock.c"},
    "pcre2.h": {"detect"},
    "jansson.h": {"audit", "hyperkitty", "sweep", "cli"},
    "libconfig.h": {"sweep"},
    "archive.h": {"mail", "act"},
    "archive_entry.h": {"mail", "act"},
    "openssl/": {"audit/digest.c", "audit/incident.c"},
}

# A file longer than this holds more than one concept, unless its opening
# comment says why it cannot be cut ("one concept").
MAX_LINES = 620

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]')


def check_include(folder, rank, where, at, kind, header):
    """The problems of one #include line of file where (in folder)."""
    if kind == "<":
        return [f"{at}: <{header}> is kept behind {', '.join(sorted(allowed))}"
                for lib, allowed in LIBRARIES.items()
                if header.startswith(lib) and folder not in allowed
                and where not in allowed]
    if header == "config.h":
        return []
    if "/" not in header:
        return [f"{at}: \"{header}\" does not name its folder"]
    hfolder = header.split("/", 1)[0]
    if hfolder not in LAYERS:
        return [f"{at}: \"{header}\" is in no layer"]
    if LAYERS.index(hfolder) > rank:
        return [f"{at}: {folder}/ may not include \"{header}\" ({hfolder}/ "
                "is a higher layer)"]
    if header.endswith("-private.h") and hfolder != folder:
        return [f"{at}: \"{header}\" is private to {hfolder}/"]
    return []


def check(src):
    problems = []
    folders = sorted(d for d in os.listdir(src)
                     if os.path.isdir(os.path.join(src, d)))
    for folder in folders:
        if folder not in LAYERS:
            problems.append(f"{folder}/: a folder that is in no layer")
            continue
        if not os.path.exists(os.path.join(src, folder, "README")):
            problems.append(f"{folder}/: no README saying what it owns")
    for folder in folders:
        if folder not in LAYERS:
            continue
        rank = LAYERS.index(folder)
        for name in sorted(os.listdir(os.path.join(src, folder))):
            if not name.endswith((".c", ".h")):
                continue
            where = f"{folder}/{name}"
            with open(os.path.join(src, folder, name), encoding="utf-8",
                      errors="replace") as f:
                lines = f.readlines()
            opening = "".join(lines[:12])
            if len(lines) > MAX_LINES and "one concept" not in opening:
                problems.append(f"{where}: {len(lines)} lines; cut it by "
                                "concept, or say in its opening comment "
                                "why it is one concept")
            for lineno, line in enumerate(lines, 1):
                m = INCLUDE.match(line)
                if m:
                    problems += check_include(folder, rank, where,
                                              f"{where}:{lineno}", *m.groups())
    return problems


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: layers.py SRC")
    problems = check(sys.argv[1])
    for p in problems:
        print(p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
