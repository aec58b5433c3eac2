"""Domain errors of the sensors app, with the specification's messages verbatim;
config.api.exceptions turns them into HTTP answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import ConflictError, DomainError, NotFoundError


class _NotFoundById(NotFoundError):
    """404 `"<Thing> with id N not found"`; a malformed id names nothing and gets the plain text."""

    with_id = _("Object with id %(id)s not found")
    without_id = _("Object not found")

    def __init__(self, pk: object | None = None) -> None:
        detail = self.with_id % {"id": pk} if pk is not None else self.without_id
        super().__init__(detail)
        self.pk = pk


class UnitNotFound(_NotFoundById):
    with_id = _("Unit with id %(id)s not found")
    without_id = _("Unit not found")


class SensorNotFound(_NotFoundById):
    with_id = _("Sensor with id %(id)s not found")
    without_id = _("Sensor not found")


class SensorDataNotFound(_NotFoundById):
    with_id = _("Sensor data with id %(id)s not found")
    without_id = _("Sensor data not found")


class InvalidId(DomainError):
    """400: an id of zero or below, in a path or a filter (`"Unit ID must be positive"`)."""

    # One whole message per label the views and filters use, so each is translated as a sentence.
    messages = {
        "Unit": _("Unit ID must be positive"),
        "Sensor": _("Sensor ID must be positive"),
        "Data": _("Data ID must be positive"),
    }

    def __init__(self, label: str) -> None:
        super().__init__(self.messages.get(label) or _("%(label)s ID must be positive") % {"label": label})


class InvalidDataStatus(DomainError):
    """400: a reading status outside pending|validated|archived|invalid."""

    default_detail = _("Status must be one of: pending, validated, archived, invalid.")


class SensorDataConflict(ConflictError):
    """409: the reading is not in a status the transition starts from."""


class SensorDataAlreadyValidated(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(_("Sensor data %(id)s is already validated") % {"id": pk})


class SensorDataArchivedCannotValidate(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(_("Cannot validate archived sensor data %(id)s") % {"id": pk})


class SensorDataAlreadyArchived(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(_("Sensor data %(id)s is already archived") % {"id": pk})


class SensorDataAlreadyInvalid(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(_("Sensor data %(id)s is already invalid") % {"id": pk})


class SensorDataArchivedCannotInvalidate(SensorDataConflict):
    def __init__(self, pk: int) -> None:
        super().__init__(_("Cannot mark archived sensor data %(id)s invalid") % {"id": pk})


class SensorDataArchivedReadOnly(SensorDataConflict):
    """409: an archived reading is read-only."""

    def __init__(self, pk: int) -> None:
        super().__init__(_("Sensor data %(id)s is archived and cannot be changed") % {"id": pk})


__all__ = [
    "InvalidDataStatus",
    "InvalidId",
    "SensorDataAlreadyArchived",
    "SensorDataAlreadyInvalid",
    "SensorDataAlreadyValidated",
    "SensorDataArchivedCannotInvalidate",
    "SensorDataArchivedCannotValidate",
    "SensorDataArchivedReadOnly",
    "SensorDataConflict",
    "SensorDataNotFound",
    "SensorNotFound",
    "UnitNotFound",
]
