"""The reading workflow (pending|invalid -> validated, pending|validated -> invalid, anything but
archived -> archived; archived is read-only) is decided by the database: each transition is one
conditional `UPDATE ... WHERE id = %s AND status IN (...)`, so of two concurrent validates exactly
one matches the row and the other is answered 409. Nothing here reads a status, decides in Python
and writes it back."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from config import history
from config.models import ChangeRecord
from config.services import Actor, actor_id
from sensors import selectors
from sensors.choices import (
    ARCHIVE_FROM,
    INVALIDATE_FROM,
    VALIDATE_FROM,
    DataStatus,
)
from sensors.exceptions import (
    SensorDataAlreadyArchived,
    SensorDataAlreadyInvalid,
    SensorDataAlreadyValidated,
    SensorDataArchivedCannotInvalidate,
    SensorDataArchivedCannotValidate,
)
from sensors.models import SensorData
from sensors.services.counts import readings_changed as _readings_changed
from sensors.services.readings import _workflow_stamp

logger = logging.getLogger(__name__)


# The action a transition's change record names, by the status it moves to.
ACTIONS = {DataStatus.VALIDATED: "validate", DataStatus.ARCHIVED: "archive", DataStatus.INVALID: "invalidate"}


def _status_record(pk: int, before: str, to_status: str, actor: Actor, now: datetime) -> ChangeRecord:
    return history.change_row(
        model=SensorData,
        object_id=pk,
        object_repr=f"reading {pk}",
        action=ACTIONS[to_status],
        actor=actor,
        changes={"status": [before, to_status]},
        at=now,
    )


def _transition(pk: int, from_statuses: Sequence[str], to_status: str, *, actor: Actor) -> bool:
    """The transition as conditional UPDATEs, one per status it may start from (most common first):
    the one that matches names the status the change record gives as before, in the same
    transaction. True if this call moved the row."""
    now = timezone.now()
    stamp = _workflow_stamp(to_status, actor=actor, now=now)
    with transaction.atomic():
        for before in from_statuses:
            if SensorData.objects.filter(pk=pk, status__in=[before]).update(
                status=to_status, updated_at=now, **stamp
            ):
                history.record_rows([_status_record(pk, before, to_status, actor, now)])
                break
        else:
            return False
    _readings_changed()  # the per-status counts moved
    return True


def sensordata_validate(*, sensordata_id: int, actor: Actor) -> SensorData:
    """pending|invalid -> validated. Already validated or archived (also by a concurrent call): 409."""
    if not _transition(sensordata_id, VALIDATE_FROM, DataStatus.VALIDATED, actor=actor):
        # The UPDATE matched nothing: say why from what is committed now. No transition leads back
        # to pending/invalid, so the row is gone, validated or archived.
        status = selectors.reading_status(reading_id=sensordata_id)
        if status == DataStatus.ARCHIVED:
            raise SensorDataArchivedCannotValidate(sensordata_id)
        raise SensorDataAlreadyValidated(sensordata_id)
    logger.info("reading %s validated by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_archive(*, sensordata_id: int, actor: Actor) -> SensorData:
    """Any status but archived -> archived. Already archived (also by a concurrent call): 409."""
    if not _transition(sensordata_id, ARCHIVE_FROM, DataStatus.ARCHIVED, actor=actor):
        # 404 if gone; otherwise it can only be archived already.
        selectors.reading_status(reading_id=sensordata_id)
        raise SensorDataAlreadyArchived(sensordata_id)
    logger.info("reading %s archived by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_invalidate(*, sensordata_id: int, actor: Actor) -> SensorData:
    """pending|validated -> invalid (a reading found wrong). Already invalid or archived: 409."""
    if not _transition(sensordata_id, INVALIDATE_FROM, DataStatus.INVALID, actor=actor):
        status = selectors.reading_status(reading_id=sensordata_id)
        if status == DataStatus.ARCHIVED:
            raise SensorDataArchivedCannotInvalidate(sensordata_id)
        raise SensorDataAlreadyInvalid(sensordata_id)
    logger.info("reading %s marked invalid by actor=%s", sensordata_id, actor_id(actor))
    return selectors.reading_get(reading_id=sensordata_id)


def sensordata_archive_older_than(
    *,
    before: datetime,
    statuses: Sequence[str] = ARCHIVE_FROM,
    batch_size: int = 1000,
    dry_run: bool = False,
    actor: Actor,
) -> Iterator[int]:
    """Archive readings taken before `before` whose status is in `statuses`, one batch at a time.

    Yields the number archived by each batch (in a dry run: the number that would be). Each batch
    is one SELECT of up to `batch_size` ids (walking the id order, so a batch never re-reads what
    an earlier one handled) and one `UPDATE ... WHERE id IN (...) AND status IN (...)`: a row that
    changed meanwhile is simply not matched, and a second run finds nothing left to do.
    """
    statuses = [s for s in statuses if s in ARCHIVE_FROM]
    if not statuses or batch_size < 1:
        return
    candidates = SensorData.objects.filter(timestamp__lt=before, status__in=statuses)
    last_id = 0
    while True:
        ids = list(candidates.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return
        last_id = ids[-1]
        if dry_run:
            yield len(ids)
            continue
        now = timezone.now()
        with transaction.atomic():
            # Read under the row locks only to record each reading's status before; the UPDATE decides.
            before = dict(candidates.filter(pk__in=ids).select_for_update().values_list("pk", "status"))
            archived = candidates.filter(pk__in=ids).update(
                status=DataStatus.ARCHIVED,
                updated_at=now,
                **_workflow_stamp(DataStatus.ARCHIVED, actor=actor, now=now),
            )
            history.record_rows(
                _status_record(pk, status, DataStatus.ARCHIVED, actor, now) for pk, status in before.items()
            )
        _readings_changed()
        # DEBUG: the command reports each batch; an INFO line here printed every batch twice.
        logger.debug("archived %s readings (ids <= %s) by actor=%s", archived, last_id, actor_id(actor))
        yield archived
