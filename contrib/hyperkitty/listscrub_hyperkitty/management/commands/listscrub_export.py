"""listscrub_export OUTDIR [--list LIST@DOMAIN]...: the archive, read-only,
as one mbox per list plus index.jsonl and site.json for listscrub."""
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.urls import reverse

from hyperkitty.models import Email, MailingList

from listscrub_hyperkitty import site
from listscrub_hyperkitty.message import digest, message_bytes
from listscrub_hyperkitty.output import create_private, json_bytes


class Command(BaseCommand):
    help = "Export HyperKitty's archive for listscrub (read-only)."

    def add_arguments(self, parser):
        parser.add_argument("outdir")
        parser.add_argument("--list", action="append", default=[],
                            dest="lists", metavar="LIST@DOMAIN")

    def handle(self, outdir, lists, **options):
        if not os.path.isdir(outdir) or os.listdir(outdir):
            raise CommandError("%s: not an empty directory" % outdir,
                               returncode=2)
        with transaction.atomic():
            site.begin_read_only()
            try:
                info = export(outdir, lists)
            finally:
                site.end_read_only()
            # Nothing this command did may persist.
            transaction.set_rollback(True)
        with create_private(os.path.join(outdir, "site.json")) as out:
            out.write(json_bytes(info))


def export(outdir, names):
    mlists = MailingList.objects.order_by("name")
    if names:
        mlists = mlists.filter(name__in=names)
        missing = set(names) - set(m.name for m in mlists)
        if missing:
            raise CommandError("no such list: %s" % ", ".join(sorted(missing)))
    count = 0
    exported = []
    with create_private(os.path.join(outdir, "index.jsonl")) as index:
        for mlist in mlists:
            count += export_list(outdir, mlist, index)
            exported.append(mlist.name)
    return {
        "listscrub_hyperkitty": 1,
        "database": site.database(),
        "search": site.search_name(),
        "attachment_folder": site.attachment_folder(),
        "lists": exported,
        "emails": count,
        "hyperkitty": site.hyperkitty_version(),
    }


def export_list(outdir, mlist, index):
    if "/" in mlist.name or mlist.name.startswith("."):
        raise CommandError("list name cannot be a file name (list id %d)"
                           % mlist.pk)
    filename = mlist.name + ".mbox"
    emails = (Email.objects.filter(mailinglist=mlist)
              .select_related("sender", "thread", "mailinglist")
              .order_by("date", "id"))
    n = 0
    with create_private(os.path.join(outdir, filename)) as mbox:
        for email in emails.iterator():
            data = message_bytes(email)
            mbox.write(data + b"\n")
            index.write(json_bytes(index_entry(filename, n, email, data)))
            n += 1
    return n


def index_entry(filename, n, email, data):
    name = email.mailinglist.name
    return {
        "file": filename,
        "n": n,
        "list": name,
        "email_id": email.pk,
        "message_id": email.message_id,
        "message_id_hash": email.message_id_hash,
        "thread_id": email.thread.thread_id,
        "url": reverse("hk_message_index", kwargs={
            "mlist_fqdn": name, "message_id_hash": email.message_id_hash}),
        "thread_url": reverse("hk_thread", kwargs={
            "mlist_fqdn": name, "threadid": email.thread.thread_id}),
        "digest": digest(data),
        "attachments": email.attachments.count(),
    }
