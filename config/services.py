"""What every app's services share: the actor type, the `UNSET` sentinel and the one partial-update
helper (`model_update`, with `model_apply` for a caller that writes the row itself)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

# Who makes a change: the authenticated user, or None for a management command / the system.
Actor = AbstractBaseUser | AnonymousUser | None

M = TypeVar("M", bound=models.Model)


class _Unset:
    """The type of `UNSET`: one instance, named in reprs (and so in generated signatures)."""

    def __repr__(self) -> str:
        return "UNSET"


# The default of a keyword a service caller may leave out, where None is a value the caller can send
# ("clear the description", "no category"). The one convention for every app's update services:
# `def x_update(*, x, field: T | None = UNSET, ...)`, then `sent(field=field, ...)`. Not `...`, not None.
UNSET: Any = _Unset()


def sent(**fields: Any) -> dict[str, Any]:
    """The keywords the caller passed (those not UNSET), as `{field: value}`."""
    return {name: value for name, value in fields.items() if value is not UNSET}


def actor_id(actor: Actor) -> Any:
    """The actor's primary key for a log or audit row (None for commands and anonymous callers)."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor.pk


def field_value(instance: models.Model, field: str) -> Any:
    """A field's value as a diff or an audit row stores it (a file by its name)."""
    value = getattr(instance, field)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return value


def model_apply(
    *, instance: M, fields: Iterable[str], data: Mapping[str, Any], database_decides_unique: bool = False
) -> dict[str, list[Any]]:
    """Set those of `fields` that `data` carries and that differ, validate the whole instance with
    `full_clean` (so model validators hold on every path), and return `{field: [old, new]}` of what
    changed; nothing is saved (the caller writes the row, perhaps conditionally, and audits the diff).

    `database_decides_unique`: leave unique and constraint checks to the database, for a caller that
    names the IntegrityError itself (a racing writer would slip past a Python check anyway)."""
    changes: dict[str, list[Any]] = {}
    for field in fields:
        if field not in data:
            continue
        old, new = field_value(instance, field), data[field]
        if old != new:
            setattr(instance, field, new)
            changes[field] = [old, new]
    if changes:
        if database_decides_unique:
            instance.full_clean(validate_unique=False, validate_constraints=False)
        else:
            instance.full_clean()
    return changes


def model_update(*, instance: M, fields: Iterable[str], data: Mapping[str, Any]) -> tuple[M, list[str]]:
    """`model_apply`, then save only what changed (and `updated_at` where the model has one).

    Returns the instance and the names of the fields that changed (empty: nothing was written).
    """
    changed = list(model_apply(instance=instance, fields=fields, data=data))
    if changed:
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, changed
