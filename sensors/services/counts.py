"""The reading counts' cache invalidation: every write that changes what a reading list counts
calls `readings_changed`; `delete_counted` is the delete of a unit, a sensor or a reading."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db import models, transaction

from config import cache as shared_cache
from config import history
from config.services import Actor, actor_id
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


def delete_counted(
    model: type[models.Model],
    pk: int,
    *,
    not_found: Callable[[int], Exception],
    label: str,
    actor: Actor,
    fields: Sequence[str],
) -> int:
    """Delete one row (with what cascades from it: sensors, readings), record its `fields` as they
    were, and drop the reading counts; a row already gone is `not_found(pk)`. Returns the deleted id."""
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=pk).first()
        if current is None:
            raise not_found(pk)
        model.objects.filter(pk=pk).delete()
        history.record(
            current, action="delete", actor=actor, changes=history.deleted_changes(current, fields)
        )
    readings_changed()
    logger.info("%s %s deleted by actor=%s", label, pk, actor_id(actor))
    return pk
