"""Rebuild HyperKitty's cached values after listscrub changed emails, so
that no page shows a stale subject, sender, count or list of posters."""
from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key

from hyperkitty.models import MailingList, Thread


def rebuild(thread_pks, list_months):
    """thread_pks: Thread pks touched (some may be gone); list_months:
    {list name: {(year, month), ...}} of the touched emails' dates."""
    for pk in sorted(thread_pks):
        _rebuild_thread(pk)
    for name, months in sorted(list_months.items()):
        _rebuild_list(name, months)


def _rebuild_thread(pk):
    thread = Thread.objects.filter(pk=pk).first()
    if thread is None:
        # Drop what HyperKitty cached for a deleted thread: an unsaved
        # instance with that pk gives the same keys.
        for value in Thread(pk=pk).cached_values.values():
            cache.delete(value._get_cache_key())
    else:
        for value in thread.cached_values.values():
            value.rebuild()
    cache.delete(make_template_fragment_key("thread_participants", [pk]))


def _rebuild_list(name, months):
    mlist = MailingList.objects.filter(name=name).first()
    if mlist is None:
        return
    for value in mlist.recent_cached_values:
        value.rebuild()
    for year, month in sorted(months):
        mlist.cached_values["participants_count_for_month"].rebuild(
            year, month)
    mlist.cached_values["first_date"].rebuild()
    # Not a CachedValue in HyperKitty; it recomputes it when missing.
    cache.delete("MailingList:%s:recent_threads_count" % mlist.pk)
