"""Carry out a listscrub plan through HyperKitty's models, in one
transaction: check every planned email's digest, redact, delete, then
(after the commit) remove attachment files, update the search index and
rebuild HyperKitty's caches.

Plan: {"listscrub_hyperkitty_plan": 1, "incident": ..., "actions": [
  {"list", "message_id_hash", "email_id", "digest", "act": "delete"},
  {..., "act": "redact", "message": base64 of an edited message_bytes()}]}
A redaction may change the subject, the From name and address, the text
and attachments' names and contents; any other change fails the run
before anything is written.
Report: see Run.report(); per action status deleted|redacted|refused|
unchanged, reason gone|changed|other-email, digests before and after,
search index state, and table digests (tables.py) before and after.
"""
import base64
import binascii
import os

from django.db import connection, transaction

from hyperkitty.models import Email, Sender, Thread

from listscrub_hyperkitty import caches, search, site, tables
from listscrub_hyperkitty.message import (
    email_digest, message_bytes, parse_fields)

ACTS = ("delete", "redact")


class PlanError(ValueError):
    """The plan is not a valid plan (a usage error)."""


class Failed(Exception):
    """The plan cannot be carried out; everything is rolled back."""


def read_plan(data):
    """Validated actions from the plan's JSON text (already decoded)."""
    if (not isinstance(data, dict)
            or data.get("listscrub_hyperkitty_plan") != 1):
        raise PlanError("not a listscrub_hyperkitty_plan 1")
    actions = data.get("actions")
    if not isinstance(actions, list):
        raise PlanError("plan: no actions list")
    seen = set()
    for n, action in enumerate(actions):
        _check_action(n, action)
        key = (action["list"], action["message_id_hash"])
        if key in seen or action["email_id"] in seen:
            raise PlanError("plan: action %d names an email twice" % n)
        seen.update((key, action["email_id"]))
    return actions


def _check_action(n, action):
    if not isinstance(action, dict):
        raise PlanError("plan: action %d is not an object" % n)
    for key in ("list", "message_id_hash", "digest"):
        if not isinstance(action.get(key), str):
            raise PlanError("plan: action %d has no %s" % (n, key))
    email_id = action.get("email_id")
    if not isinstance(email_id, int) or isinstance(email_id, bool):
        raise PlanError("plan: action %d has no email_id" % n)
    if action.get("act") not in ACTS:
        raise PlanError("plan: action %d: act must be delete or redact" % n)
    if action["act"] == "redact":
        try:
            action["_message"] = base64.b64decode(action["message"],
                                                  validate=True)
        except (KeyError, binascii.Error, ValueError, TypeError):
            raise PlanError("plan: action %d: no base64 message" % n)


class Run:
    """One run of a plan; report() is the JSON answer."""

    def __init__(self, actions, check_only=False):
        self.actions = actions
        self.check_only = check_only
        self.rows = [self._row(a) for a in actions]
        self.emails = {}          # action index -> Email, as checked
        self.touched_threads = set()
        self.list_months = {}
        self.replaced_senders = set()
        self.deleted_senders = set()
        self.file_backups = []    # (path, bytes or None) to restore
        self.files_to_remove = {}  # action index -> [path]
        self.result = {"status": None, "error": None, "senders_removed": 0,
                       "threads_removed": 0,
                       "caches": "none", "index_purged": search.NONE}
        self.tables = {"before": None, "after": None}
        self.unnamed = {"excluded_threads": [], "before": None,
                        "after": None}

    @staticmethod
    def _row(action):
        return {"list": action["list"],
                "message_id_hash": action["message_id_hash"],
                "email_id": action["email_id"], "act": action["act"],
                "status": "unchanged", "reason": None,
                "digest_before": None, "digest_after": None,
                "thread_id": None, "attachment_files_removed": 0,
                "index": search.NONE}

    def run(self, committed=None):
        """Check and change in one transaction; then, once committed, the
        clean-up outside the database.  committed(report) is called at
        once after the commit, so that the caller knows the changes were
        made even if the clean-up is cut short (a long index rebuild)."""
        changing = False
        try:
            with transaction.atomic():
                site.begin_consistent()
                self.check()
                self.digests("before")
                if self.result["status"] is not None or self.check_only:
                    self.result["status"] = (self.result["status"]
                                             or "checked")
                    return
                changing = True
                self.change()
        except Exception as e:
            # rolled back: nothing of the plan was made; HyperKitty's
            # signals may have cached what the transaction did
            self.restore_files()
            self.fail(e)
            if changing:
                self.rebuild_caches()
            return
        self.result["status"] = "done"
        for row in self.rows:
            if row["status"] in ("deleted", "redacted"):
                row["index"] = "pending"
        self.result["index_purged"] = self.result["caches"] = "pending"
        if committed is not None:
            committed(self.report())
        self.clean_up()

    def change(self):
        self.redact_all()
        self.delete_all()
        self.remove_orphaned_senders()
        self.digests("after")
        for n, email in self.emails.items():
            if self.rows[n]["act"] == "redact":
                self.rows[n]["digest_after"] = email_digest(
                    Email.objects.get(pk=email.pk))

    def clean_up(self):
        """After the commit: each step on its own, a failure recorded in
        the report (never a reason to call the committed run failed)."""
        for step in (self.remove_files, self.update_index):
            try:
                step()
            except Exception:
                pass
        self.rebuild_caches()

    def fail(self, error):
        self.result["status"] = "failed"
        text = (str(error).strip().splitlines() or [""])[0]
        if not isinstance(error, Failed):
            text = "%s: %s" % (error.__class__.__name__, text)
        self.result["error"] = text
        self.tables["after"] = self.unnamed["after"] = None
        for row in self.rows:
            if row["status"] != "refused":
                row["status"] = "unchanged"
            row["digest_after"] = None
            row["attachment_files_removed"] = 0

    # Step 1: every email as planned, or the whole plan is refused.

    def check(self):
        query = Email.objects.select_related("sender", "mailinglist",
                                             "thread")
        if connection.features.has_select_for_update:
            of = (("self",) if connection.features.has_select_for_update_of
                  else ())
            query = query.select_for_update(of=of)
        for n, action in enumerate(self.actions):
            row = self.rows[n]
            found = list(query.filter(
                mailinglist__name=action["list"],
                message_id_hash=action["message_id_hash"]).order_by("pk"))
            email = next((e for e in found if e.pk == action["email_id"]),
                         None)
            if email is None:
                self.refuse(row, "other-email" if found else "gone")
                continue
            row["digest_before"] = email_digest(email)
            row["thread_id"] = email.thread.thread_id
            if row["digest_before"] != action["digest"]:
                self.refuse(row, "changed")
                continue
            self.emails[n] = email
            if action["act"] == "redact":
                self.check_redaction(n, action, email)

    def refuse(self, row, reason):
        row["status"] = "refused"
        row["reason"] = reason
        self.result["status"] = "refused"
        self.result["error"] = "plan refused: %s is %s" % (
            describe(row), reason)

    def check_redaction(self, n, action, email):
        try:
            before = parse_fields(message_bytes(email))
            after = parse_fields(action["_message"])
        except (ValueError, UnicodeError) as e:
            raise Failed("redaction of %s: %s" % (describe(self.rows[n]), e))
        for key in ("message_id", "date", "in_reply_to"):
            if before[key] != after[key]:
                raise Failed("redaction of %s changes %s, which HyperKitty "
                             "cannot store" % (describe(self.rows[n]), key))
        if set(before["attachments"]) != set(after["attachments"]):
            raise Failed("redaction of %s adds or removes attachments"
                         % describe(self.rows[n]))
        for counter, (_, ctype, _) in after["attachments"].items():
            if ctype != before["attachments"][counter][1]:
                raise Failed("redaction of %s changes the type of "
                              "attachment %d" % (describe(self.rows[n]),
                                                 counter))
        if after["address"] != before["address"] and "@" not in after[
                "address"]:
            raise Failed("redaction of %s: the new From has no address"
                         % describe(self.rows[n]))
        action["_before"], action["_after"] = before, after

    def digests(self, when):
        self.unnamed["excluded_threads"] = sorted(set(
            row["thread_id"] for row in self.rows if row["thread_id"]))
        named = [row["email_id"] for row in self.rows]
        digests = tables.table_digests(
            named, self.unnamed["excluded_threads"])
        self.tables[when] = digests["all"]
        self.unnamed[when] = digests["unnamed"]

    # Step 3: redactions, changing only what listscrub changed.

    def redact_all(self):
        for n, email in sorted(self.emails.items()):
            action = self.actions[n]
            if action["act"] == "redact":
                self.touch(email)
                self.redact(email, action["_before"], action["_after"])
                self.rows[n]["status"] = "redacted"

    def redact(self, email, before, after):
        changed = []
        for field in ("subject", "sender_name", "content"):
            if before[field] != after[field]:
                setattr(email, field, after[field] or (
                    None if field == "sender_name" else ""))
                changed.append(field)
        if before["address"] != after["address"]:
            self.replaced_senders.add(email.sender_id)
            email.sender, _ = Sender.objects.get_or_create(
                address=after["address"])
            changed.append("sender")
        if changed:
            email.save(update_fields=changed)
        for counter, (name, _, content) in sorted(
                after["attachments"].items()):
            old_name, _, old_content = before["attachments"][counter]
            if (name, content) != (old_name, old_content):
                self.redact_attachment(email, counter, name, content,
                                       content != old_content)

    def redact_attachment(self, email, counter, name, content, new_content):
        attachment = email.attachments.get(counter=counter)
        attachment.name = name
        fields = ["name"]
        if new_content:
            self.back_up(attachment)
            attachment.set_content(content)
            fields += ["content", "size"]
        attachment.save(update_fields=fields)

    def back_up(self, attachment):
        # set_content() writes a folder's file at once; put the old bytes
        # back if the transaction does not commit.
        path = attachment_file(attachment)
        if path is None:
            return
        old = None
        if os.path.exists(path):
            with open(path, "rb") as f:
                old = f.read()
        self.file_backups.append((path, old))

    def restore_files(self):
        for path, old in reversed(self.file_backups):
            if old is None:
                if os.path.exists(path):
                    os.unlink(path)
            else:
                with open(path, "wb") as f:
                    f.write(old)

    # Step 4: deletions, newest first, by HyperKitty's own delete().

    def delete_all(self):
        order = sorted(
            (n for n, e in self.emails.items()
             if self.actions[n]["act"] == "delete"),
            key=lambda n: (self.emails[n].date, self.emails[n].pk),
            reverse=True)
        for n in order:
            # Fresh: an earlier deletion may have re-parented this one.
            email = Email.objects.select_related("mailinglist").get(
                pk=self.emails[n].pk)
            self.touch(email)
            self.deleted_senders.add(email.sender_id)
            self.files_to_remove[n] = [
                p for p in map(attachment_file, email.attachments.all()) if p]
            email.delete()
            self.rows[n]["status"] = "deleted"
        self.result["threads_removed"] = len(
            self.touched_threads - set(Thread.objects.filter(
                pk__in=self.touched_threads).values_list("pk", flat=True)))

    def touch(self, email):
        self.touched_threads.add(email.thread_id)
        self.list_months.setdefault(email.mailinglist.name, set()).add(
            (email.date.year, email.date.month))

    def remove_orphaned_senders(self):
        """The sender rows this run leaves without an email go: a row is
        its address (the table's key), so one whose address a redaction
        replaced is the leak itself, and one whose emails were deleted
        would keep the address of a message that is gone. Senders the
        run did not touch stay, even without emails."""
        for address in sorted(self.replaced_senders | self.deleted_senders):
            if not Email.objects.filter(sender_id=address).exists():
                Sender.objects.filter(pk=address).delete()
                self.result["senders_removed"] += 1

    # After the commit.

    def remove_files(self):
        # A file that cannot go stays, and listscrub_inspect reports it.
        for n, paths in self.files_to_remove.items():
            for path in paths:
                try:
                    os.unlink(path)
                    self.rows[n]["attachment_files_removed"] += 1
                except OSError:
                    pass
                remove_empty_dirs(os.path.dirname(path))

    def update_index(self):
        if not search.email_indexes():
            for row in self.rows:
                if row["index"] == "pending":
                    row["index"] = search.NONE
            self.result["index_purged"] = search.NONE
            return
        for n, email in sorted(self.emails.items()):
            row = self.rows[n]
            try:
                if row["act"] == "delete":
                    search.remove(row["email_id"])
                    ok = search.state(row["email_id"]) == "absent"
                    row["index"] = "removed" if ok else "failed"
                else:
                    fresh = Email.objects.get(pk=email.pk)
                    search.update(fresh)
                    ok = search.state(email.pk, fresh) == "present"
                    row["index"] = "updated" if ok else "failed"
            except Exception:
                row["index"] = "failed"
        try:
            self.result["index_purged"] = search.purge_removed_text()
        except Exception:
            self.result["index_purged"] = "failed"

    def rebuild_caches(self):
        try:
            caches.rebuild(self.touched_threads, self.list_months)
            self.result["caches"] = "rebuilt"
        except Exception:
            self.result["caches"] = "failed"

    def report(self):
        return dict(self.result, **{
            "listscrub_hyperkitty_report": 1,
            "database": site.database(),
            "search": site.search_name(),
            "actions": self.rows,
            "tables": self.tables,
            "unnamed": self.unnamed,
        })


def attachment_file(attachment):
    """The file of an attachment kept in HyperKitty's attachment folder."""
    folder = attachment._get_folder()
    if folder is None or attachment.content is not None:
        return None
    return os.path.join(folder, str(attachment.counter))


def remove_empty_dirs(directory):
    """rmdir the email's folder and its parents while empty, up to the
    attachment folder itself."""
    from listscrub_hyperkitty.site import attachment_folder
    root = os.path.abspath(attachment_folder())
    directory = os.path.abspath(directory)
    while directory.startswith(root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:
            return
        directory = os.path.dirname(directory)


def describe(row):
    return "%s %s" % (row["list"], row["message_id_hash"])
