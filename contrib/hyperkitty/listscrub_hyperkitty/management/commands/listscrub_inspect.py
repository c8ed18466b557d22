"""listscrub_inspect QUERY [--report FILE]: what is left of the emails a
listscrub manifest names, and digests of everything else (read-only)."""
import json
import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hyperkitty.models import Attachment, Email, MailingList

from listscrub_hyperkitty import search, site, tables
from listscrub_hyperkitty.message import email_digest
from listscrub_hyperkitty.output import write_report


class Command(BaseCommand):
    help = "Inspect the emails a listscrub manifest names (read-only)."

    def add_arguments(self, parser):
        parser.add_argument("query")
        parser.add_argument("--report", metavar="FILE")

    def handle(self, query, report, **options):
        try:
            with open(query, "rb") as f:
                named, excluded = read_query(
                    json.loads(f.read().decode("utf-8")))
        except (OSError, ValueError) as e:
            raise CommandError("%s: %s" % (query, e), returncode=2)
        with transaction.atomic():
            site.begin_read_only()
            try:
                answer = {
                    "listscrub_hyperkitty_inspect": 1,
                    "named": [inspect(entry) for entry in named],
                    "unnamed": tables.table_digests(
                        [entry["email_id"] for entry in named], excluded,
                        everything=False)["unnamed"],
                    "search": site.search_name(),
                }
            finally:
                site.end_read_only()
            transaction.set_rollback(True)
        write_report(answer, report)


def read_query(data):
    if not isinstance(data, dict) or data.get(
            "listscrub_hyperkitty_query") != 1:
        raise ValueError("not a listscrub_hyperkitty_query 1")
    named = data.get("named")
    excluded = data.get("excluded_threads", [])
    if not isinstance(named, list) or not isinstance(excluded, list):
        raise ValueError("query: named and excluded_threads must be lists")
    for n, entry in enumerate(named):
        if not (isinstance(entry, dict)
                and isinstance(entry.get("list"), str)
                and isinstance(entry.get("message_id_hash"), str)
                and isinstance(entry.get("email_id"), int)
                and entry.get("act") in ("delete", "redact")):
            raise ValueError("query: named entry %d is incomplete" % n)
    return named, [str(t) for t in excluded]


def inspect(entry):
    email = (Email.objects.select_related("sender", "mailinglist")
             .filter(mailinglist__name=entry["list"],
                     message_id_hash=entry["message_id_hash"])
             .order_by("pk").first())
    email_id = email.pk if email is not None else entry["email_id"]
    if entry["act"] == "redact" and email is not None:
        index = search.state(email.pk, email)
    else:
        index = search.state(email_id)
    return {
        "list": entry["list"],
        "message_id_hash": entry["message_id_hash"],
        "email": email is not None,
        "attachments": Attachment.objects.filter(email_id=email_id).count(),
        "attachment_files": count_files(attachment_dir(entry, email_id)),
        "index": index,
        "digest": email_digest(email) if email is not None else None,
    }


def attachment_dir(entry, email_id):
    """The email's folder under HYPERKITTY_ATTACHMENT_FOLDER, by
    HyperKitty's own rule (unsaved instances: the email may be gone)."""
    email = Email(id=email_id, message_id_hash=entry["message_id_hash"],
                  mailinglist=MailingList(name=entry["list"]))
    return Attachment(email=email, counter=0)._get_folder()


def count_files(directory):
    if directory is None or not os.path.isdir(directory):
        return 0
    return sum(len(files) for _, _, files in os.walk(directory))
