from django.apps import AppConfig


class ListscrubHyperkittyConfig(AppConfig):
    name = "listscrub_hyperkitty"
    verbose_name = "listscrub for HyperKitty"
