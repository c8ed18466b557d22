"""Settings for a site known only by its database URL (--database).

Enough of Mailman's web settings for HyperKitty's models and URLs; no search
index and no shared cache (the web site's own cache is not reachable this
way: see the README)."""
import os
import secrets

from listscrub_hyperkitty.dburl import database_from_url

DATABASES = {"default": database_from_url(
    os.environ["LISTSCRUB_HK_DATABASE_URL"])}
HYPERKITTY_ATTACHMENT_FOLDER = (
    os.environ.get("LISTSCRUB_HK_ATTACHMENT_FOLDER") or None)

# Nothing signed by this process outlives it.
SECRET_KEY = secrets.token_hex(32)
INSTALLED_APPS = [
    "hyperkitty",
    "django_mailman3",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "rest_framework",
    "django_gravatar",
    "haystack",
    "django_q",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
]
ROOT_URLCONF = "listscrub_hyperkitty.urls"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "UTC"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
HAYSTACK_CONNECTIONS = {
    "default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"
CACHES = {"default": {
    "BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
Q_CLUSTER = {"orm": "default", "timeout": 300, "retry": 360}
STATIC_URL = "/static/"
MAILMAN_REST_API_URL = "http://localhost:8001"
MAILMAN_REST_API_USER = "restadmin"
MAILMAN_REST_API_PASS = "restpass"
MAILMAN_ARCHIVER_KEY = ""
LOGGING = {"version": 1, "disable_existing_loggers": False}
