#!/usr/bin/env python3
"""truth_check.py MODE LISTSCRUB CORPUS mbox|maildir -- mkcorpus ground truth.

purge-threads: for every incident, purge a fresh copy of the archive by the
incident's seed Message-IDs and check that exactly the messages of its
thread_message_ids are gone and every other message is still there byte
for byte (mbox: the bytes between separators; Maildir: each file).  The
thread incidents (cc-leak, forwarded-private, support-lookup) use
--thread=subtree: mkcorpus recomputes their threads with every reply.  For
body-leak and pii it does not (their "thread" is the seeds), so those are
purged with --thread=none, and their subtree purge must remove the seeds
plus only messages that reply to something removed.

addresses: scan by each incident's leaked addresses and check that every
message listed in occurrences for an address is reported with a match of
that address.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

MID = re.compile(rb'^Message-ID:[ \t]*<([^>]*)>', re.I | re.M)
SEP = re.compile(rb'^From \S+ +\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\n', re.M)


def messages(root, kind):
    """{(where, message-id): bytes} for every message under root."""
    out = {}
    if kind == 'maildir':
        for d, _, files in os.walk(root):
            for f in files:
                p = os.path.join(d, f)
                data = open(p, 'rb').read()
                m = MID.search(data.split(b'\n\n', 1)[0])
                out[(os.path.relpath(p, root), m.group(1).decode() if m else None)] = data
        return out
    for f in sorted(os.listdir(root)):
        if not f.endswith('.mbox'):
            continue
        data = open(os.path.join(root, f), 'rb').read()
        starts = [m.start() for m in SEP.finditer(data)
                  if m.start() == 0 or data[m.start() - 2:m.start()] == b'\n\n']
        for a, b in zip(starts, starts[1:] + [len(data)]):
            chunk = data[a:b]
            m = MID.search(chunk.split(b'\n\n', 1)[0])
            out[(f, m.group(1).decode() if m else None)] = chunk
    return out


def archive(corpus, kind):
    return os.path.join(corpus, 'maildir') if kind == 'maildir' else corpus


def archive_paths(corpus, kind):
    if kind == 'maildir':
        return [os.path.join(corpus, 'maildir')]
    return sorted(os.path.join(corpus, f) for f in os.listdir(corpus)
                  if f.endswith('.mbox'))


# The signing and incident keys test-lib.sh made (KEYS in the environment).
keys = os.environ.get('KEYS', '')


def signed_apply(manifests):
    return ['--apply', '--incident', 'T-1', '--sign-key', keys + '/sign.key',
            '--incident-key', keys + '/incident.key', '--manifest-dir',
            manifests]


def purge_threads(ls, corpus, kind):
    truth = json.load(open(os.path.join(corpus, 'truth.json')))
    before = messages(archive(corpus, kind), kind)
    bad = 0
    for inc in truth['incidents']:
        work = tempfile.mkdtemp()
        if kind == 'maildir':
            shutil.copytree(archive(corpus, kind), os.path.join(work, 'maildir'))
            target = os.path.join(work, 'maildir')
        else:
            for f in os.listdir(corpus):
                if f.endswith('.mbox'):
                    shutil.copy(os.path.join(corpus, f), work)
            target = work
        ids = os.path.join(tempfile.mkdtemp(), 'ids')
        manifests = tempfile.mkdtemp()
        open(ids, 'w').write('\n'.join(inc['seed_message_ids']) + '\n')
        mode = 'none' if inc['kind'] in ('body-leak', 'pii') else 'subtree'
        if mode == 'none' and not replies_only_extra(ls, corpus, kind, inc, ids):
            bad += 1
        r = subprocess.run([ls, 'purge', '--message-ids', ids, '--thread=' + mode]
                           + signed_apply(manifests) + [target],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(inc['id'], 'purge failed:', r.stderr)
            return 1
        # the auditor's check of that run, rescanning the whole archive
        r = subprocess.run([ls, 'verify', '--manifest', manifests + '/0001',
                            '--pubkey', keys + '/sign.pub', '--incident-key',
                            keys + '/incident.key', target],
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(inc['id'], 'verify failed:', r.stdout, r.stderr)
            bad += 1
        after = messages(target, kind)
        want_gone = {m.strip('<>') for m in inc['thread_message_ids']}
        gone = {k[1] for k in before if k not in after}
        changed = [k for k in after if k in before and after[k] != before[k]]
        new = [k for k in after if k not in before]
        if gone != want_gone or changed or new:
            bad += 1
            print(inc['id'], 'removed', len(gone), 'want', len(want_gone),
                  'extra', sorted(gone - want_gone)[:3],
                  'missed', sorted(want_gone - gone)[:3],
                  'changed', len(changed), 'new', len(new))
        else:
            print(inc['id'], kind, '--thread=' + mode, 'removed exactly',
                  len(gone), 'messages; the other', len(after),
                  'are byte-identical')
        shutil.rmtree(work)
        shutil.rmtree(manifests)
    return 1 if bad else 0


REF = re.compile(rb'^(?:In-Reply-To|References):((?:.*\n[ \t].*)*.*)', re.I | re.M)


def replies_only_extra(ls, corpus, kind, inc, ids):
    """With --thread=subtree, every message beyond the seeds must refer to
    a message that is selected too."""
    r = subprocess.run([ls, 'scan', '--message-ids', ids, '--thread=subtree',
                        '--format', 'json'] + archive_paths(corpus, kind),
                       capture_output=True, text=True)
    # the items: not the header line nor the summary (listscrub(1) OUTPUT)
    sel = [json.loads(l) for l in r.stdout.splitlines()][1:-1]
    chosen = {o['message_id'] for o in sel}
    seeds = {m.strip('<>') for m in inc['seed_message_ids']}
    if not seeds <= chosen:
        print(inc['id'], 'subtree misses a seed')
        return False
    for o in sel:
        if o['message_id'] in seeds:
            continue
        data = open(o['path'], 'rb').read()[o['offset']:]
        if o['format'].startswith('mbox'):
            data = data[:o['length']]
        refs = set()
        for m in REF.finditer(data.split(b'\n\n', 1)[0]):
            refs |= {x.decode() for x in re.findall(rb'<([^>]+)>', m.group(1))}
        if not refs & chosen:
            print(inc['id'], 'subtree took a message that replies to nothing selected')
            return False
    return True


def addresses(ls, corpus, kind):
    truth = json.load(open(os.path.join(corpus, 'truth.json')))
    checked = missed = 0
    for inc in truth['incidents']:
        addrs = inc['leaked_addresses']
        if not addrs:
            continue
        f = os.path.join(tempfile.mkdtemp(), 'addrs')
        open(f, 'w').write('\n'.join(addrs) + '\n')
        r = subprocess.run([ls, 'scan', '--addresses', f, '--format', 'json',
                            '--show-matches'] + archive_paths(corpus, kind),
                           capture_output=True, text=True)
        if r.returncode not in (0, 1):
            print(inc['id'], 'scan failed:', r.stderr)
            return 1
        found = {}
        for line in r.stdout.splitlines()[1:-1]:
            o = json.loads(line)
            for m in o['matches']:
                found.setdefault(m['text'], set()).add(o['message_id'])
        for value, mids in inc['occurrences'].items():
            if '@' not in value:
                continue
            checked += 1
            miss = {m.strip('<>') for m in mids} - found.get(value.lower(), set())
            if miss:
                missed += 1
                print(inc['id'], 'an address missed in', len(miss), 'messages')
    print(kind, 'addresses checked:', checked, 'with a miss:', missed)
    return 1 if missed or not checked else 0


def main():
    mode, ls, corpus, kind = sys.argv[1:5]
    return {'purge-threads': purge_threads, 'addresses': addresses}[mode](ls, corpus, kind)


if __name__ == '__main__':
    sys.exit(main())
