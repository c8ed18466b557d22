"""What listscrub reports about the site: database, search, folders."""
import importlib.metadata

from django.conf import settings
from django.db import connection

from listscrub_hyperkitty import search


def database():
    return {"vendor": connection.vendor,
            "name": str(connection.settings_dict.get("NAME") or "")}


def attachment_folder():
    return getattr(settings, "HYPERKITTY_ATTACHMENT_FOLDER", None)


def hyperkitty_version():
    try:
        return importlib.metadata.version("HyperKitty")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def begin_read_only():
    """Make the current transaction read-only where the database can, and
    on PostgreSQL one snapshot for all reads. Call first in atomic()."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ,"
                           " READ ONLY")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA query_only = ON")


def end_read_only():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA query_only = OFF")


def begin_consistent():
    """One snapshot for the whole apply transaction on PostgreSQL, so that
    the digests before and after are not moved by mail archived meanwhile.
    Call first in atomic()."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")


def search_name():
    return search.engine_name()
