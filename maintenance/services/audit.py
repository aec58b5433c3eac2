"""Audit plumbing: snapshots of a row, `{field: [old, new]}` diffs and audit rows, plus the audited
update and delete that categories and parts share. Audit rows are written in the same transaction
as the change they describe, each with its platform change record beside it (`audit_write`): the
audit rows keep `/api/v1/audit/`'s shape, the change records feed the admin's History page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from config import history
from config.services import Actor, actor_id, field_value, model_apply
from maintenance.choices import AuditAction, AuditEntity
from maintenance.models import AuditLog, Category, ServiceOrder, ServiceOrderImage, SparePart

# The model each audit entity is about (its change records' content type).
ENTITY_MODELS: dict[str, type[models.Model]] = {
    AuditEntity.CATEGORY: Category,
    AuditEntity.SPARE_PART: SparePart,
    AuditEntity.SERVICE_ORDER: ServiceOrder,
    AuditEntity.SERVICE_ORDER_IMAGE: ServiceOrderImage,
}


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """`{field: value}` of `fields`, as the audit stores them."""
    return {field: field_value(instance, field) for field in fields}


def created(values: Mapping[str, Any]) -> dict[str, list]:
    """The audit diff of a new row: every field from None."""
    return {field: [None, value] for field, value in values.items()}


def deleted(values: Mapping[str, Any]) -> dict[str, list]:
    """The audit diff of a deleted row: every field to None."""
    return {field: [value, None] for field, value in values.items()}


def audit_row(
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any,
    changes: Mapping[str, Any],
    at: datetime | None = None,
    object_repr: str = "",
) -> AuditLog:
    """An unsaved audit row, for a caller that writes several at once (`audit_write`).

    `object_repr` names the object in its change record (default: the entity and id)."""
    row = AuditLog(
        actor_id=actor_id(actor),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=dict(changes),
        created_at=at or timezone.now(),
    )
    row._history = (actor, object_repr)
    return row


def audit_write(rows: Iterable[AuditLog]) -> list[AuditLog]:
    """Write audit rows made by `audit_row` and their change records, one INSERT each (inside the
    change's transaction)."""
    rows = AuditLog.objects.bulk_create(list(rows))
    history.record_rows(
        history.change_row(
            model=ENTITY_MODELS[row.entity],
            object_id=row.entity_id,
            object_repr=row._history[1],
            action=row.action,
            actor=row._history[0],
            changes=row.changes,
            at=row.created_at,
        )
        for row in rows
    )
    return rows


def audit_record(
    *,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any,
    changes: Mapping[str, Any],
    object_repr: str = "",
) -> AuditLog:
    """Write one audit row (and its change record); call it inside the transaction of the change."""
    row = audit_row(
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        changes=changes,
        object_repr=object_repr,
    )
    return audit_write([row])[0]


def audit_created(instance: models.Model, *, fields: Iterable[str], entity: str, actor: Actor) -> AuditLog:
    """The audit row of a new row: every field of `fields` from None (inside its transaction)."""
    return audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        entity=entity,
        entity_id=instance.pk,
        changes=created(snapshot(instance, fields)),
        object_repr=str(instance),
    )


def update_audited(
    instance: models.Model,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    entity: str,
    not_found: Callable[[], Exception],
    on_change: Callable[[], None],
    expected: Mapping[str, Any] | None = None,
    stale: Callable[[models.Model], Exception] | None = None,
) -> models.Model:
    """Apply `data` to the row re-read under lock and audit old -> new, in one transaction; a
    change that would break a unique constraint raises IntegrityError for the caller to name.
    `on_change` runs in that transaction when something changed (cache invalidation on commit).

    With `expected` (field -> the value the caller read), a row whose value has moved since is
    refused with `stale(current)`; the write is then `UPDATE ... WHERE field = <read value>`, so the
    check holds where the row lock does not (SQLite).
    """
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=instance.pk).first()
        if current is None:
            raise not_found()
        if expected and any(field_value(current, field) != value for field, value in expected.items()):
            raise stale(current)
        changes = model_apply(instance=current, fields=data, data=data, database_decides_unique=True)
        if changes and expected:
            current.updated_at = timezone.now()
            values = {field: getattr(current, field) for field in changes}
            if not model.objects.filter(pk=current.pk, **expected).update(
                **values, updated_at=current.updated_at
            ):
                raise stale(model.objects.get(pk=current.pk))
        elif changes:
            current.save(update_fields=[*changes, "updated_at"])
        if changes:
            audit_record(
                actor=actor,
                action=AuditAction.UPDATE,
                entity=entity,
                entity_id=current.pk,
                changes=changes,
                object_repr=str(current),
            )
            on_change()
    return current


def delete_audited(
    instance: models.Model,
    *,
    actor: Actor,
    fields: Iterable[str],
    entity: str,
    references: models.QuerySet,
    in_use: Callable[[models.Model, int], Exception],
    not_found: Callable[[], Exception],
    on_change: Callable[[], None],
) -> None:
    """Delete a row that nothing references, with its audit row, in one transaction.

    The row is re-read under lock, so the audit records what was deleted, not the caller's stale
    copy; a reference added meanwhile makes the PROTECT foreign key refuse the delete (409).
    """
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=instance.pk).first()
        if current is None:
            raise not_found()
        count = references.count()
        if count:
            raise in_use(current, count)
        values = snapshot(current, fields)
        removed, _ = model.objects.filter(pk=instance.pk).delete()
        if not removed:
            raise not_found()
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            entity=entity,
            entity_id=instance.pk,
            changes=deleted(values),
            object_repr=str(current),
        )
        on_change()
