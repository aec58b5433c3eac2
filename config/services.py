"""What every app's services share: the actor type and the one partial-update helper."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models

# Who makes a change: the authenticated user, or None for a management command / the system.
Actor = AbstractBaseUser | AnonymousUser | None

M = TypeVar("M", bound=models.Model)


def actor_id(actor: Actor) -> Any:
    """The actor's primary key for a log or audit row (None for commands and anonymous callers)."""
    if actor is None or not actor.is_authenticated:
        return None
    return actor.pk


def model_update(*, instance: M, fields: Iterable[str], data: dict[str, Any]) -> tuple[M, list[str]]:
    """Set those of `fields` that `data` carries and that differ, validate the whole instance with
    `full_clean` (so model validators hold on every path), and save only what changed.

    Returns the instance and the names of the fields that changed (empty: nothing was written).
    """
    changed = []
    for field in fields:
        if field in data and getattr(instance, field) != data[field]:
            setattr(instance, field, data[field])
            changed.append(field)
    if changed:
        instance.full_clean()
        update_fields = list(changed)
        if any(f.name == "updated_at" for f in instance._meta.concrete_fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return instance, changed
