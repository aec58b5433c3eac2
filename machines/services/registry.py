"""Registry rules of the machines app: register, change and delete machines.

The unique index on Machine.name decides between two creates of one name; every write bumps the
machine cache's generation on commit (machines.cache), so no cached record outlives it.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config import history
from config.services import Actor, actor_id, model_update
from machines import cache as keys
from machines.choices import MachineStatus
from machines.exceptions import MachineDuplicate
from machines.models import Machine

logger = logging.getLogger(__name__)

MACHINE_FIELDS = ("name", "location", "sensor_type", "status")


def machine_create(
    *,
    name: str,
    location: str,
    sensor_type: str,
    status: str = MachineStatus.ACTIVE,
    actor: Actor,
    machine_id: uuid.UUID | None = None,
) -> Machine:
    """Register a machine. The unique index on the name decides a duplicate (also two racing creates)."""
    machine = Machine(
        id=machine_id or uuid.uuid4(), name=name, location=location, sensor_type=sensor_type, status=status
    )
    machine.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            machine.save(force_insert=True)
            history.record(
                machine,
                action="create",
                actor=actor,
                changes=history.created_changes(machine, MACHINE_FIELDS),
            )
            keys.invalidate_machines_on_commit()
    except IntegrityError:
        if Machine.objects.filter(name=name).exists():
            raise MachineDuplicate(_("Machine with name %(name)s already exists") % {"name": name}) from None
        raise
    logger.info("machine %s (%s) created by actor=%s", machine.pk, name, actor_id(actor))
    return machine


def machine_update(*, machine: Machine, actor: Actor, **data: Any) -> Machine:
    """Change a machine's registry fields (the admin's edit); a taken name answers 409.

    Compares against the stored row, not the instance passed in: the admin hands over an instance
    its form has already modified, against which nothing would look changed.
    """
    try:
        with transaction.atomic():
            current = Machine.objects.select_for_update().get(pk=machine.pk)
            before = history.snapshot(current, MACHINE_FIELDS)
            machine, changed = model_update(instance=current, fields=MACHINE_FIELDS, data=data)
            if changed:
                changes = {field: [before[field], getattr(machine, field)] for field in changed}
                history.record(machine, action="update", actor=actor, changes=changes)
                keys.invalidate_machines_on_commit()
    except IntegrityError:
        raise MachineDuplicate(
            _("Machine with name %(name)s already exists") % {"name": data.get("name")}
        ) from None
    except DjangoValidationError as exc:
        if (
            "name" in getattr(exc, "error_dict", {})
            and Machine.objects.filter(name=data.get("name")).exists()
        ):
            raise MachineDuplicate(
                _("Machine with name %(name)s already exists") % {"name": data.get("name")}
            ) from None
        raise
    if changed:
        logger.info("machine %s changed %s by actor=%s", machine.pk, changed, actor_id(actor))
    return machine


def machine_delete(*, machine: Machine, actor: Actor) -> None:
    """Delete a machine; its readings in the SQL store go with it (ON DELETE CASCADE)."""
    with transaction.atomic():
        current = Machine.objects.select_for_update().filter(pk=machine.pk).first()
        Machine.objects.filter(pk=machine.pk).delete()
        if current is not None:
            history.record(
                current,
                action="delete",
                actor=actor,
                changes=history.deleted_changes(current, MACHINE_FIELDS),
            )
        keys.invalidate_machines_on_commit()
    logger.info("machine %s deleted by actor=%s", machine.pk, actor_id(actor))
