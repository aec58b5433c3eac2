"""The parts list page cache: its generation key, when it is on, and its invalidation on commit."""

from __future__ import annotations

from django.conf import settings

from config import cache as shared_cache

PARTS_VERSION_KEY = "maintenance:parts:version"


def parts_cache_enabled() -> bool:
    """The parts list is cached only in a cache every process shares (Redis): a per-process
    local-memory cache would miss another worker's invalidation."""
    return "LocMemCache" not in settings.CACHES["default"]["BACKEND"]


def parts_cache_version() -> str:
    """The current generation of the parts list; cached pages are keyed by it."""
    return shared_cache.generation(PARTS_VERSION_KEY)


def parts_changed() -> None:
    """Invalidate cached parts pages once the change is committed (a reader that raced it cached
    under the old version, which nobody asks for any more)."""
    shared_cache.bump_on_commit(PARTS_VERSION_KEY)
