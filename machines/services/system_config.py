"""System configuration rules: create or change a setting (recorded: who, when, old → new), the
checks of the settings the system itself reads, and removing a free-form setting.

A change locks its row (`select_for_update`) so the recorded old value is the one it replaced.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from config import history
from config.choices import ChangeSource
from config.limits import parse_integer
from config.services import Actor, actor_id
from machines import cache as keys
from machines.checks import INTEGER_GRAMMAR, has_control_characters
from machines.choices import RANGES
from machines.exceptions import InvalidSetting
from machines.models import SystemConfig, SystemConfigChange

logger = logging.getLogger(__name__)

RETENTION_DAYS = (1, 3650)
_DECIMAL = re.compile(r"[0-9]{1,10}(\.[0-9]{1,10})?")


def _threshold(field_name: str) -> Callable[[str], str | None]:
    """A positive decimal written in ASCII (`85.5`), at most the highest reading the field accepts."""
    high = RANGES[field_name][1]

    def check(value: str) -> str | None:
        if not _DECIMAL.fullmatch(value) or not 0 < float(value) <= high:
            return f"Must be a decimal number greater than 0 and at most {high:g} (e.g. 85.5)"
        return None

    return check


_SIGNED_DECIMAL = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,10})?")


def _minimum(field_name: str) -> Callable[[str], str | None]:
    """A decimal written in ASCII, possibly negative (`-5`, `0.5`), within the field's reading range."""
    low, high = RANGES[field_name]

    def check(value: str) -> str | None:
        if not _SIGNED_DECIMAL.fullmatch(value) or not low <= float(value) <= high:
            return f"Must be a decimal number from {low:g} to {high:g} (e.g. 0 or -10.5)"
        return None

    return check


def retention_days_error(value: str) -> str | None:
    """Why a retention (whole days, ASCII) is unacceptable, or None."""
    number = parse_integer(value, **INTEGER_GRAMMAR)
    low, high = RETENTION_DAYS
    if number is None or not low <= number <= high:
        return f"Must be a whole number of days from {low} to {high}"
    return None


def _email(value: str) -> str | None:
    try:
        validate_email(value)
    except DjangoValidationError:
        return "Must be an email address"
    return None


# Settings the system itself reads are checked (ASCII, typed, bounded: Python's int() and float()
# also take "1_000", " 5" and other scripts' digits); other names are free-form notes.
SETTING_CHECKS: dict[str, Callable[[str], str | None]] = {
    "max_temperature_threshold": _threshold("temperature"),
    "max_pressure_threshold": _threshold("pressure"),
    "min_temperature_threshold": _minimum("temperature"),
    "alert_email": _email,
    "data_retention_days": retention_days_error,
}
# Free-form values may hold tabs and line breaks, never NUL or other control characters.
_FREE_TEXT_ALLOWED = frozenset("\t\n\r")


def systemsetting_set(
    *, name: str, value: str, actor: Actor, source: str = ChangeSource.API
) -> SystemConfigChange:
    """Create or change a setting and record the change (who, when, old → new) in one transaction."""
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidSetting(_("Setting name must be 1-100 characters"))
    if has_control_characters(name):
        raise InvalidSetting(_("Setting name must not contain control characters"))
    if len(value) > 1000:
        raise InvalidSetting(_("Setting value must be at most 1000 characters"))
    if has_control_characters("".join(char for char in value if char not in _FREE_TEXT_ALLOWED)):
        raise InvalidSetting(
            _("Invalid value for %(name)s: Must not contain control characters") % {"name": name}
        )
    check = SETTING_CHECKS.get(name)
    if check and (problem := check(value)):
        raise InvalidSetting(
            _("Invalid value for %(name)s: %(problem)s") % {"name": name, "problem": problem}
        )
    who = actor_id(actor)
    with transaction.atomic():
        # The row lock makes the old value the one this change replaced, also when two race.
        setting = SystemConfig.objects.select_for_update().filter(name=name).first()
        created = False
        if setting is None:
            try:
                with transaction.atomic():
                    setting = SystemConfig.objects.create(name=name, value=value, updated_by_id=who)
                    created = True
            except IntegrityError:
                # Another request created it first: change it as an existing setting.
                setting = SystemConfig.objects.select_for_update().get(name=name)
        old_value = None if created else setting.value
        if not created:
            setting.value, setting.updated_by_id = value, who
            setting.save(update_fields=["value", "updated_by", "updated_at"])
        change = SystemConfigChange.objects.create(
            setting=setting, name=name, old_value=old_value, new_value=value, changed_by_id=who, source=source
        )
        history.record(
            setting,
            action="create" if created else "update",
            actor=actor,
            changes={"value": [old_value, value]},
            at=change.changed_at,
            source=source,
        )
        keys.invalidate_config_on_commit()
    logger.info("config %s changed by actor=%s via %s", name, who, source)
    return change


def systemsetting_delete(*, setting: SystemConfig, actor: Actor) -> None:
    """Remove a free-form setting; the ones the system reads can't be removed (only changed)."""
    if setting.name in SETTING_CHECKS:
        raise InvalidSetting(
            _("%(name)s is used by the system and can't be deleted") % {"name": setting.name}
        )
    with transaction.atomic():
        current = SystemConfig.objects.select_for_update().filter(pk=setting.pk).first()
        SystemConfig.objects.filter(pk=setting.pk).delete()
        if current is not None:
            history.record(
                current,
                action="delete",
                actor=actor,
                changes=history.deleted_changes(current, ["name", "value"]),
            )
        keys.invalidate_config_on_commit()
    logger.info("config %s deleted by actor=%s", setting.name, actor_id(actor))
