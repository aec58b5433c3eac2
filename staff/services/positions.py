"""Job titles (jabatan): the positions staff records point to."""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, RestrictedError

from config.services import Actor, actor_id, model_update
from staff.exceptions import PositionInUse
from staff.models import Position

logger = logging.getLogger(__name__)

POSITION_FIELDS = ("name", "description")


def position_create(*, name: str, description: str | None = "", actor: Actor) -> Position:
    """Create a job title; the name is required (the serializer and admin form check its length)."""
    position = Position(name=name, description=description or "")
    position.full_clean()
    position.save()
    logger.info("position created id=%s by actor=%s", position.pk, actor_id(actor))
    return position


def position_update(
    *, position: Position, name: str | None = None, description: str | None = None, actor: Actor
) -> Position:
    """Change the given fields only; fields passed as None stay as they are."""
    data = {"name": name, "description": description}
    position, changed = model_update(
        instance=position, fields=POSITION_FIELDS, data={k: v for k, v in data.items() if v is not None}
    )
    if changed:
        logger.info("position updated id=%s fields=%s by actor=%s", position.pk, changed, actor_id(actor))
    return position


def position_delete(*, position: Position, actor: Actor) -> None:
    """Refuse (409) while any staff record points at the position, instead of cascading."""
    in_use = position.users.count()
    if in_use:
        raise PositionInUse(f"jabatan masih digunakan oleh {in_use} user dan tidak dapat dihapus.")
    position_id = position.pk
    try:
        with transaction.atomic():
            position.delete()
    except (ProtectedError, RestrictedError, IntegrityError):
        # A staff record was assigned between the count and the delete; the FK decided.
        raise PositionInUse() from None
    logger.info("position deleted id=%s by actor=%s", position_id, actor_id(actor))
