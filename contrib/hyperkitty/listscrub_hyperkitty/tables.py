"""Digests of HyperKitty's tables, shared by listscrub_apply and
listscrub_inspect.

A table digest is SHA-256 over one canonical JSON line per row, rows in
primary-key order. "unnamed" digests cover only the rows a plan does not
name, so that they are equal before and after exactly when nothing but the
named messages changed.
"""
import hashlib
import json
from datetime import datetime, timezone

from hyperkitty.models import (
    Attachment, Email, MailingList, Sender, Thread, Vote)

MODELS = (MailingList, Thread, Email, Attachment, Sender, Vote)
# Email columns that HyperKitty recomputes for the other emails of a thread
# when one of them is deleted.
RECOMPUTED_EMAIL_COLUMNS = {"parent_id", "thread_order", "thread_depth"}


def table_digests(named_email_ids, excluded_threads, everything=True):
    """{"all": digests of every row, "unnamed": digests of the rows that a
    plan naming these Email pks does not touch}, in one pass over each
    table (attachment contents are read once); without everything, only
    "unnamed".  excluded_threads are the Thread.thread_id values of the
    named emails: their other emails are kept without the columns
    HyperKitty recomputes there; every other email is kept whole."""
    named = set(named_email_ids)
    excluded = set(excluded_threads)
    excluded_pks = set(Thread.objects.filter(
        thread_id__in=excluded).values_list("pk", flat=True))
    unnamed_senders = set(
        sender for pk, sender in
        Email.objects.values_list("pk", "sender_id").iterator()
        if pk not in named)

    def email_row(row):
        if row["thread_id"] in excluded_pks:
            return {k: v for k, v in row.items()
                    if k not in RECOMPUTED_EMAIL_COLUMNS}
        return row

    selections = {
        MailingList: lambda row: True,
        Thread: lambda row: row["thread_id"] not in excluded,
        Email: lambda row: row["id"] not in named,
        Attachment: lambda row: row["email_id"] not in named,
        Sender: lambda row: row["address"] in unnamed_senders,
        Vote: lambda row: row["email_id"] not in named,
    }
    result = {"all": {}, "unnamed": {}}
    for model in MODELS:
        table = model._meta.db_table
        keep = selections[model]
        whole, part = _Digest(), _Digest()
        for row in _rows(model):
            if everything:
                whole.add(row)
            if keep(row):
                part.add(email_row(row) if model is Email else row)
        if everything:
            result["all"][table] = whole.value()
        result["unnamed"][table] = part.value()
    return result


class _Digest:
    """SHA-256 over one canonical line per row, and the rows counted."""

    def __init__(self):
        self.sha = hashlib.sha256()
        self.rows = 0

    def add(self, row):
        self.sha.update(_canonical(row))
        self.rows += 1

    def value(self):
        return {"rows": self.rows, "digest": "sha256:" + self.sha.hexdigest()}


def _rows(model):
    """Each row as {column: value}, ordered by primary key."""
    fields = list(model._meta.concrete_fields)
    if model is Attachment:
        yield from _attachment_rows(fields)
        return
    names = [f.attname for f in fields]
    for values in model.objects.order_by("pk").values_list(*names).iterator():
        yield {f.column: v for f, v in zip(fields, values)}


def _attachment_rows(fields):
    # Content is read through HyperKitty so that files in an attachment
    # folder count, not only the (then empty) content column.
    query = Attachment.objects.order_by("pk").select_related(
        "email__mailinglist")
    for attachment in query.iterator():
        row = {f.column: getattr(attachment, f.attname) for f in fields}
        content = attachment.get_content()
        if isinstance(content, str):  # "" when HyperKitty lost the file
            content = content.encode("utf-8")
        row["content"] = content
        yield row


def _canonical(row):
    return (json.dumps({k: _value(v) for k, v in row.items()},
                       sort_keys=True, separators=(",", ":"),
                       ensure_ascii=True) + "\n").encode("ascii")


def _value(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc).isoformat()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)
