"""Domain errors of the locks app; config.api.exceptions turns them into HTTP answers."""

from config.errors import ConflictError, DomainError, NotFoundError


class DeviceNotFound(NotFoundError):
    default_detail = "Device not found"


class DeviceVersionConflict(ConflictError):
    """409; raised with `current_status` and `current_version_id` so the client can retry."""

    default_detail = "Version conflict"


class InvalidLockStatus(DomainError):
    default_detail = "Unknown lock status"


__all__ = ["DeviceNotFound", "DeviceVersionConflict", "InvalidLockStatus"]
