"""python3 -m listscrub_hyperkitty [--settings MODULE_OR_FILE | --database URL]
[--attachment-folder DIR] COMMAND ARGS...

Runs one of this app's management commands against a HyperKitty site
without adding the app to the site's INSTALLED_APPS.  Without --settings
or --database, the URL in $LISTSCRUB_HYPERKITTY_DATABASE is used, else the
site of $DJANGO_SETTINGS_MODULE. Exit status: 0 done,
1 refused or failed, 2 usage, or the site cannot be imported or reached.
"""
import argparse
import os
import sys

COMMANDS = ("listscrub_export", "listscrub_apply", "listscrub_inspect")
PROG = "listscrub_hyperkitty"
# The database URL when --database is not given.
DATABASE_ENV = "LISTSCRUB_HYPERKITTY_DATABASE"


def main(argv):
    opts = parse_args(argv)
    try:
        configure(opts)
    except ValueError as e:
        fail(2, str(e))
    return run(opts.command, opts.args)


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python3 -m " + PROG,
        description="Run a listscrub command on a HyperKitty archive.")
    site = parser.add_mutually_exclusive_group()
    site.add_argument("--settings", metavar="MODULE_OR_FILE",
                      help="the site's Django settings module or .py file")
    site.add_argument("--database", metavar="URL",
                      help="sqlite:///path, postgresql://... or mysql://...")
    parser.add_argument("--attachment-folder", metavar="DIR",
                        help="HyperKitty's attachment folder (--database)")
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("args", nargs=argparse.REMAINDER)
    opts = parser.parse_args(argv)
    if opts.attachment_folder and not (opts.database or
                                       os.environ.get(DATABASE_ENV)):
        parser.error("--attachment-folder goes with --database (with "
                     "--settings, the site's setting is used)")
    return opts


def configure(opts):
    """Point Django at our wrapper settings, naming the site's settings
    (or the database URL) in the environment it reads."""
    # A URL may hold a password: listscrub passes it in the environment,
    # where ps(1) does not show it.
    database = opts.database or os.environ.get(DATABASE_ENV)
    if opts.settings:
        os.environ["LISTSCRUB_HK_SITE_SETTINGS"] = site_module(opts.settings)
    elif database:
        os.environ["LISTSCRUB_HK_DATABASE_URL"] = database
        if opts.attachment_folder:
            os.environ["LISTSCRUB_HK_ATTACHMENT_FOLDER"] = os.path.abspath(
                opts.attachment_folder)
    else:
        current = os.environ.get("DJANGO_SETTINGS_MODULE")
        if not current or current.startswith(PROG + "."):
            raise ValueError("give --settings or --database (or set "
                             "DJANGO_SETTINGS_MODULE to the site's settings)")
        os.environ["LISTSCRUB_HK_SITE_SETTINGS"] = current
    os.environ["DJANGO_SETTINGS_MODULE"] = PROG + ".site_settings"


def site_module(value):
    """A module name as is; for a .py file, its directory goes on sys.path
    and its base name is the module."""
    if value.endswith(".py") or os.path.sep in value:
        if not os.path.isfile(value):
            raise ValueError("%s: no such settings file" % value)
        directory, base = os.path.split(os.path.abspath(value))
        sys.path.insert(0, directory)
        return base[:-3] if base.endswith(".py") else base
    return value


def run(command, args):
    try:
        import django
        from django.core.exceptions import ImproperlyConfigured
    except ImportError:
        fail(2, "cannot import Django: install python3-django-hyperkitty "
             "and run with the python that has it (/usr/bin/python3)")
    try:
        django.setup()
    except ImportError as e:
        site = os.environ.get("LISTSCRUB_HK_SITE_SETTINGS", "")
        if e.name and site.split(".")[0] == e.name.split(".")[0]:
            fail(2, "cannot import the settings module %s (is its directory"
                 " on PYTHONPATH?)" % site)
        fail(2, "cannot import %s: install %s" % (
            e.name, package_for(e.name)))
    except ImproperlyConfigured as e:
        fail(2, "settings: %s" % first_line(e))
    import logging
    # django-q warns about synchronous tasks on every task; we chose it.
    logging.getLogger("django-q").setLevel(logging.ERROR)
    check_database()
    from django.core.management import call_command, load_command_class
    from django.core.management.base import CommandError
    try:
        # Bad arguments are a usage error (2), not a failed run (1).
        load_command_class(PROG, command).create_parser(
            "python3 -m " + PROG, command).parse_args(args)
    except CommandError as e:
        fail(2, first_line(e))
    try:
        call_command(command, *args)
    except CommandError as e:
        fail(getattr(e, "returncode", 1), first_line(e))
    except Exception as e:  # no traceback: it could quote archived data
        fail(1, "%s: %s" % (e.__class__.__name__, first_line(e)))
    return 0


def check_database():
    from django.db import DatabaseError, connection
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM hyperkitty_email WHERE 1 = 0")
    except DatabaseError as e:
        fail(2, "cannot use the %s database %s (check DATABASES or the "
             "URL, and that HyperKitty's tables exist): %s" % (
                 connection.vendor, connection.settings_dict.get("NAME"),
                 first_line(e)))


def package_for(module):
    top = (module or "").split(".")[0]
    return {
        "psycopg2": "python3-psycopg2",
        "MySQLdb": "python3-mysqldb",
        "whoosh": "python3-whoosh",
        "xapian": "python3-xapian",
    }.get(top, "python3-django-hyperkitty (it brings %s)" % (top or "it"))


def first_line(error):
    text = str(error).strip()
    return text.splitlines()[0] if text else error.__class__.__name__


def fail(status, message):
    print("%s: %s" % (PROG, message), file=sys.stderr)
    sys.exit(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
