"""The staff permissions, said once: the name the views, services and admin check, the role that
gets it (and every role above), and for custom ones the name in `User.Meta.permissions`."""

from config.roles import PermissionEnum, Role


class StaffPermissions(PermissionEnum):
    VIEW_POSITION = "staff.view_position", Role.OPERATOR
    VIEW_USER = "staff.view_user", Role.SUPERVISOR
    VIEW_PERSONAL_DATA = (
        "staff.view_personal_data",
        Role.SUPERVISOR,
        "Can view staff personal data (address, phone)",
    )
    ADD_POSITION = "staff.add_position", Role.SUPERVISOR
    CHANGE_POSITION = "staff.change_position", Role.SUPERVISOR
    DELETE_POSITION = "staff.delete_position", Role.SUPERVISOR
    ADD_USER = "staff.add_user", Role.MANAGEMENT
    CHANGE_USER = "staff.change_user", Role.MANAGEMENT
    DELETE_USER = "staff.delete_user", Role.MANAGEMENT
    ASSIGN_ROLE = "staff.assign_role", Role.MANAGEMENT, "Can assign roles to users"
