"""HyperKitty's full-text index through haystack: which connections index
Email, and what one of them holds for an email."""
from hyperkitty.models import Email

NONE = "none"
_NO_INDEX_ENGINES = ("haystack.backends.simple_backend.SimpleEngine",)
# The index fields that carry an email's text (the others are dates).
TEXT_FIELDS = ("text", "subject", "sender", "mailinglist")


def email_indexes():
    """[(alias, EmailIndex)] for every haystack connection indexing Email."""
    try:
        from haystack import connections
        from haystack.exceptions import NotHandled
    except ImportError:
        return []
    found = []
    for alias, info in connections.connections_info.items():
        if info.get("ENGINE") in _NO_INDEX_ENGINES:
            continue
        try:
            index = connections[alias].get_unified_index().get_index(Email)
        except NotHandled:
            continue
        found.append((alias, index))
    return found


def engine_name():
    from haystack import connections
    engines = [connections.connections_info[alias]["ENGINE"]
               for alias, _ in email_indexes()]
    return " ".join(engines) if engines else NONE


def identifier(email_pk):
    return "hyperkitty.email.%d" % email_pk


def remove(email_pk):
    for alias, index in email_indexes():
        index.remove_object(identifier(email_pk), using=alias)


def update(email):
    for alias, index in email_indexes():
        index.update_object(email, using=alias)


def purge_removed_text():
    """Leave no text of a removed or re-indexed email in the index files.
    "rebuilt" or "merged" (or NONE).

    Whoosh only marks a removed document deleted, keeping its stored text
    until a merge; and the words of its spelling dictionary (haystack
    sets spelling on the document field) are posted to no document at
    all, so no removal or merge ever drops them: a leaked address stays
    in the index's files and in its spelling suggestions.  Only a new
    index gets rid of them, so a Whoosh index is rebuilt from the
    database (every model it indexes).  Other engines are merged where
    they can be."""
    done = NONE
    for alias, index in email_indexes():
        backend = index.get_backend(alias)
        if _has_spelling_words(backend):
            _rebuild(alias, backend)
            done = "rebuilt"
        elif hasattr(backend, "optimize"):
            backend.optimize()
            done = "merged" if done == NONE else done
    return done


def _has_spelling_words(backend):
    if not getattr(backend, "setup_complete", True):
        backend.setup()
    schema = getattr(getattr(backend, "index", None), "schema", None)
    return schema is not None and any(
        getattr(field, "separate_spelling", lambda: False)()
        for _, field in schema.items())


def _rebuild(alias, backend, batch=1000):
    from haystack import connections
    unified = connections[alias].get_unified_index()
    backend.clear(commit=True)
    for model in unified.get_indexed_models():
        model_index = unified.get_index(model)
        rows = model_index.index_queryset(using=alias).order_by("pk")
        for start in range(0, rows.count(), batch):
            backend.update(model_index, rows[start:start + batch],
                           commit=True)


def state(email_pk, email=None):
    """"absent", "present", or for an existing email whose stored document
    differs from what the index would prepare now, "stale"."""
    from haystack.query import SearchQuerySet
    indexes = email_indexes()
    if not indexes:
        return NONE
    result = "absent"
    for alias, index in indexes:
        found = SearchQuerySet(using=alias).filter(id=identifier(email_pk))
        stored = found[0] if len(found) else None
        if stored is None:
            continue
        if email is not None and not _same(index.full_prepare(email),
                                           stored):
            return "stale"
        result = "present"
    return result


def _same(prepared, stored):
    return all(str(prepared.get(name) or "").strip()
               == str(getattr(stored, name, None) or "").strip()
               for name in TEXT_FIELDS)
