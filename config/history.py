"""The one change history (docs/architecture.md §16): every service that changes a row records who,
when, through which door, which object and each field before -> after as a `platform.ChangeRecord`,
in the change's own transaction. The admin's History page reads these rows (config/admin_history.py).

Where a change came from is a context variable the transports set: the request middleware says
`api` or `admin` by path; with no request (a management command, a shell) it is `command`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from config.choices import ChangeSource
from config.models import ChangeRecord
from config.services import Actor, actor_id, field_value

# Field names whose values are never recorded (only that they changed).
SENSITIVE_FIELD = re.compile(r"password|secret|token|otp|api_key|hash", re.IGNORECASE)
HIDDEN = "(hidden)"

_source: ContextVar[str] = ContextVar("change_source", default=ChangeSource.COMMAND)


def current_source() -> str:
    """Where the change being made now comes from: api, admin or command (the default)."""
    return _source.get()


@contextmanager
def changes_from(source: str) -> Iterator[None]:
    """Record every change made inside the block as coming from `source`."""
    token = _source.set(source)
    try:
        yield
    finally:
        _source.reset(token)


@cache
def _admin_prefix() -> str | None:
    try:
        return reverse("admin:index")
    except NoReverseMatch:
        return None


def source_for_path(path: str) -> str:
    """A request under the admin site is `admin`; any other request is `api`."""
    prefix = _admin_prefix()
    return ChangeSource.ADMIN if prefix and path.startswith(prefix) else ChangeSource.API


def _plain(value: Any) -> Any:
    """A value as JSON keeps it: a row by its key, a file by its name (DjangoJSONEncoder does the rest)."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return value


def safe_changes(changes: Mapping[str, Sequence[Any]]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` with sensitive values replaced by a marker."""
    return {
        field: [HIDDEN, HIDDEN] if SENSITIVE_FIELD.search(field) else [_plain(old), _plain(new)]
        for field, (old, new) in changes.items()
    }


def snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """`{field: value}` of `fields` as the history stores them."""
    return {field: field_value(instance, field) for field in fields}


def created_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """The changes of a new row: every field from None."""
    return {field: [None, value] for field, value in snapshot(instance, fields).items()}


def deleted_changes(instance: models.Model, fields: Iterable[str]) -> dict[str, list[Any]]:
    """The changes of a deleted row: every field to None."""
    return {field: [value, None] for field, value in snapshot(instance, fields).items()}


def change_row(
    *,
    model: type[models.Model],
    object_id: Any,
    object_repr: str = "",
    action: str,
    actor: Actor,
    changes: Mapping[str, Sequence[Any]],
    at: datetime | None = None,
    source: str | None = None,
) -> ChangeRecord:
    """An unsaved record, for a caller that writes several in one INSERT (`record_rows`)."""
    user_id = actor_id(actor)
    return ChangeRecord(
        at=at or timezone.now(),
        actor_id=user_id,
        actor_name=actor.get_username() if user_id is not None else "",
        source=source or current_source(),
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=str(object_id),
        object_repr=(object_repr or f"{model._meta.verbose_name} {object_id}")[:200],
        action=action,
        changes=safe_changes(changes),
    )


def record(
    instance: models.Model,
    *,
    action: str,
    actor: Actor,
    changes: Mapping[str, Sequence[Any]],
    at: datetime | None = None,
    source: str | None = None,
) -> ChangeRecord:
    """Write the record of one change to `instance`; call it inside the change's transaction."""
    row = change_row(
        model=type(instance),
        object_id=instance.pk,
        object_repr=str(instance),
        action=action,
        actor=actor,
        changes=changes,
        at=at,
        source=source,
    )
    row.save(force_insert=True)
    return row


def record_rows(rows: Iterable[ChangeRecord]) -> list[ChangeRecord]:
    """Write unsaved records in one INSERT (a batch of changes in one transaction)."""
    return ChangeRecord.objects.bulk_create(list(rows))


def history_of(model: type[models.Model], object_id: Any) -> models.QuerySet[ChangeRecord]:
    """One object's records, oldest first (the History page's order)."""
    return ChangeRecord.objects.filter(
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=str(object_id),
    ).order_by("at", "id")
