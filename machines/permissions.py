"""The machines permissions, said once: the name the views check, the role that gets it (and every
role above), and for custom ones the name in `Machine.Meta.permissions`.

HTTP ingest is Supervisor's and up, not Operator's (anyone could self-register as one), plus the
"Telemetry gateway" group: not a role, a group holding only ingest for a gateway's service account
(a superuser puts the account in it)."""

from config.roles import PermissionEnum, Role

TELEMETRY_GATEWAY_GROUP = "Telemetry gateway"


class MachinePermissions(PermissionEnum):
    VIEW_MACHINE = "machines.view_machine", Role.OPERATOR
    VIEW_SENSOR_READING = "machines.view_sensorreading", Role.OPERATOR
    ADD_MACHINE = "machines.add_machine", Role.SUPERVISOR
    CHANGE_MACHINE = "machines.change_machine", Role.SUPERVISOR
    DELETE_MACHINE = "machines.delete_machine", Role.SUPERVISOR
    INGEST_TELEMETRY = (
        "machines.ingest_telemetry",
        Role.SUPERVISOR,
        "Can send telemetry readings (HTTP ingest)",
        (TELEMETRY_GATEWAY_GROUP,),
    )
    VIEW_ALERT = "machines.view_alert", Role.OPERATOR
    ACKNOWLEDGE_ALERT = (
        "machines.acknowledge_alert",
        Role.SUPERVISOR,
        "Can acknowledge a threshold alert",
    )
    VIEW_SYSTEMCONFIG = "machines.view_systemconfig", Role.MANAGEMENT
    CHANGE_SYSTEMCONFIG = "machines.change_systemconfig", Role.MANAGEMENT
    VIEW_SYSTEMCONFIG_CHANGE = "machines.view_systemconfigchange", Role.MANAGEMENT
