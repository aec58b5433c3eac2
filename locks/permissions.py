"""The locks permissions, said once: the name the views and admin check, the role that gets it
(and every role above), and for custom ones the name in `Device.Meta.permissions`."""

from config.roles import PermissionEnum, Role


class LockPermissions(PermissionEnum):
    VIEW_DEVICE = "locks.view_device", Role.OPERATOR
    VIEW_DEVICE_LOG = "locks.view_devicelog", Role.OPERATOR
    CHANGE_DEVICE_STATUS = (
        "locks.change_device_status",
        Role.OPERATOR,
        "Can change the lock status of a device",
    )
    ADD_DEVICE = "locks.add_device", Role.SUPERVISOR
    CHANGE_DEVICE = "locks.change_device", Role.SUPERVISOR
    DELETE_DEVICE = "locks.delete_device", Role.SUPERVISOR
