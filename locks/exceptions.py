"""Domain errors of the locks app; config.api.exceptions turns them into HTTP answers."""

from django.utils.translation import gettext_lazy as _

from config.errors import ConflictError, DomainError, NotFoundError


class DeviceNotFound(NotFoundError):
    default_detail = _("Device not found")


class DeviceVersionConflict(ConflictError):
    """409; raised with `current_status` and `current_version_id` so the client can retry."""

    default_detail = _("Version conflict")


class InvalidLockStatus(DomainError):
    default_detail = _("Unknown lock status")


__all__ = ["DeviceNotFound", "DeviceVersionConflict", "InvalidLockStatus"]
