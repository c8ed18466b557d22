"""Settings used by `python3 -m listscrub_hyperkitty`: the site's own
settings (the module named in LISTSCRUB_HK_SITE_SETTINGS), or minimal ones
built from a database URL, plus this app."""
import importlib
import os

_site_name = os.environ.get("LISTSCRUB_HK_SITE_SETTINGS")
_site = importlib.import_module(
    _site_name or "listscrub_hyperkitty.minimal_settings")
globals().update(
    (name, getattr(_site, name)) for name in dir(_site) if name.isupper())

INSTALLED_APPS = list(globals().get("INSTALLED_APPS", []))
if "listscrub_hyperkitty" not in INSTALLED_APPS:
    INSTALLED_APPS.append("listscrub_hyperkitty")

# HyperKitty's signal handlers queue cache and thread-order tasks. Run them
# in this process, inside our transaction, so that no worker acts on a state
# that is about to be rolled back or that it read before our commit; do not
# store their results.
Q_CLUSTER = dict(globals().get("Q_CLUSTER") or {}, sync=True, save_limit=-1)
