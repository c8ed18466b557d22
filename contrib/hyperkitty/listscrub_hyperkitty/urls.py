"""URLs for --database runs: HyperKitty under archives/, as Mailman's web
project (mailman-web) mounts it, so that reported paths match most sites."""
from django.urls import include, path

urlpatterns = [path("archives/", include("hyperkitty.urls"))]
