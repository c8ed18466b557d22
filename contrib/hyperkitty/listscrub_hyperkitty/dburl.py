"""Django DATABASES entry from a database URL (stdlib only)."""
from urllib.parse import parse_qsl, unquote, urlsplit

ENGINES = {
    "sqlite": "django.db.backends.sqlite3",
    "postgresql": "django.db.backends.postgresql",
    "postgres": "django.db.backends.postgresql",
    "mysql": "django.db.backends.mysql",
}


def database_from_url(url):
    """sqlite:///abs/path.db, postgresql://user:pass@host:port/db,
    postgresql:///db?host=/socket/dir, mysql://... -> a DATABASES entry.
    Raises ValueError (never quoting the URL: it may hold a password)."""
    parts = urlsplit(url)
    engine = ENGINES.get(parts.scheme)
    if engine is None:
        raise ValueError("database URL: scheme must be sqlite, postgresql "
                         "or mysql")
    if parts.scheme == "sqlite":
        path = unquote(parts.path)
        if parts.netloc or not path.startswith("/"):
            raise ValueError("database URL: sqlite needs an absolute path "
                             "(sqlite:///abs/path.db)")
        return {"ENGINE": engine, "NAME": path}
    name = unquote(parts.path.lstrip("/"))
    if not name:
        raise ValueError("database URL: no database name")
    options = dict(parse_qsl(parts.query))
    entry = {
        "ENGINE": engine,
        "NAME": name,
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        # A host given in the query string is a Unix socket directory.
        "HOST": options.pop("host", None) or unquote(parts.hostname or ""),
        "PORT": options.pop("port", None) or str(parts.port or ""),
    }
    if options:
        entry["OPTIONS"] = options
    return entry
