"""The maintenance permissions, said once: the name the views and admin check, the role that gets
it (and every role above), and for custom ones the name in `ServiceOrder.Meta.permissions`.

Everyone reads (the API needs no permission to read); Operator creates orders and uploads images;
Supervisor manages categories and parts, moves orders through the lifecycle and reads the audit log;
Management deletes."""

from config.roles import PermissionEnum, Role


class MaintenancePermissions(PermissionEnum):
    VIEW_CATEGORY = "maintenance.view_category", Role.OPERATOR
    VIEW_SPARE_PART = "maintenance.view_sparepart", Role.OPERATOR
    VIEW_SERVICE_ORDER = "maintenance.view_serviceorder", Role.OPERATOR
    VIEW_SERVICE_ORDER_ITEM = "maintenance.view_serviceorderitem", Role.OPERATOR
    VIEW_SERVICE_ORDER_IMAGE = "maintenance.view_serviceorderimage", Role.OPERATOR
    ADD_SERVICE_ORDER = "maintenance.add_serviceorder", Role.OPERATOR
    ADD_SERVICE_ORDER_IMAGE = "maintenance.add_serviceorderimage", Role.OPERATOR
    ADD_CATEGORY = "maintenance.add_category", Role.SUPERVISOR
    CHANGE_CATEGORY = "maintenance.change_category", Role.SUPERVISOR
    ADD_SPARE_PART = "maintenance.add_sparepart", Role.SUPERVISOR
    CHANGE_SPARE_PART = "maintenance.change_sparepart", Role.SUPERVISOR
    TRANSITION_SERVICE_ORDER = (
        "maintenance.transition_serviceorder",
        Role.SUPERVISOR,
        "Can move a service order through its lifecycle",
    )
    VIEW_AUDIT_LOG = "maintenance.view_auditlog", Role.SUPERVISOR
    DELETE_CATEGORY = "maintenance.delete_category", Role.MANAGEMENT
    DELETE_SPARE_PART = "maintenance.delete_sparepart", Role.MANAGEMENT
    DELETE_SERVICE_ORDER = "maintenance.delete_serviceorder", Role.MANAGEMENT
