"""The reading counts' cache invalidation: every write that changes what a reading list counts
calls `readings_changed`."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from config import cache as shared_cache
from sensors import selectors

logger = logging.getLogger(__name__)


# --- reading counts -----------------------------------------------------------------------------
def readings_changed() -> None:
    """Invalidate every cached reading count: now (so no reader keeps the old count while a
    transaction runs) and, inside one, again after commit (so nothing counted before the commit
    survives it)."""
    if not shared_cache.answer_ttl(settings.SENSORS_COUNT_CACHE_TTL):
        return
    shared_cache.bump(selectors.COUNT_GENERATION_KEY)
    if transaction.get_connection().in_atomic_block:
        shared_cache.bump_on_commit(selectors.COUNT_GENERATION_KEY)
    # In autocommit the write is already committed: the bump above came after it.
