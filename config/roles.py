"""Roles and permissions in one place: the role names, the permission each API action needs (named
constants, so no view spells a permission string), and the helper data migrations grant them with.

A role is a Django Group of the same name; checks go through `user.has_perm`, so staff can tune
a role in the admin (Groups) and the API follows.
"""

from __future__ import annotations

from django.db import models


class Role(models.TextChoices):
    """The three roles; each is a Django Group of the same name (created by a data migration)."""

    OPERATOR = "Operator", "Operator"
    SUPERVISOR = "Supervisor", "Supervisor"
    MANAGEMENT = "Management", "Management"


# Highest first: a user in several role groups is shown with the highest one.
ROLE_RANK = [Role.MANAGEMENT, Role.SUPERVISOR, Role.OPERATOR]

# Not a role: a group holding only `machines.ingest_telemetry`, for a gateway's service account
# (data migration machines 0005; a superuser puts the account in it). Supervisor and Management
# ingest too; Operator and a self-registered account do not.
TELEMETRY_GATEWAY_GROUP = "Telemetry gateway"


class Perm:
    """Permission names (`app_label.codename`) the API and admin check."""

    # staff
    VIEW_POSITION = "staff.view_position"
    VIEW_USER = "staff.view_user"
    VIEW_PERSONAL_DATA = "staff.view_personal_data"
    ASSIGN_ROLE = "staff.assign_role"
    # locks
    VIEW_DEVICE = "locks.view_device"
    ADD_DEVICE = "locks.add_device"
    CHANGE_DEVICE = "locks.change_device"
    DELETE_DEVICE = "locks.delete_device"
    CHANGE_DEVICE_STATUS = "locks.change_device_status"
    # maintenance
    ADD_CATEGORY = "maintenance.add_category"
    CHANGE_CATEGORY = "maintenance.change_category"
    DELETE_CATEGORY = "maintenance.delete_category"
    ADD_SPARE_PART = "maintenance.add_sparepart"
    CHANGE_SPARE_PART = "maintenance.change_sparepart"
    DELETE_SPARE_PART = "maintenance.delete_sparepart"
    ADD_SERVICE_ORDER = "maintenance.add_serviceorder"
    TRANSITION_SERVICE_ORDER = "maintenance.transition_serviceorder"
    DELETE_SERVICE_ORDER = "maintenance.delete_serviceorder"
    ADD_SERVICE_ORDER_IMAGE = "maintenance.add_serviceorderimage"
    VIEW_AUDIT_LOG = "maintenance.view_auditlog"
    # sensors
    VIEW_UNIT = "sensors.view_unit"
    VIEW_SENSOR = "sensors.view_sensor"
    VIEW_SENSORDATA = "sensors.view_sensordata"
    ADD_UNIT = "sensors.add_unit"
    CHANGE_UNIT = "sensors.change_unit"
    DELETE_UNIT = "sensors.delete_unit"
    ADD_SENSOR = "sensors.add_sensor"
    CHANGE_SENSOR = "sensors.change_sensor"
    DELETE_SENSOR = "sensors.delete_sensor"
    ADD_SENSORDATA = "sensors.add_sensordata"
    CHANGE_SENSORDATA = "sensors.change_sensordata"
    DELETE_SENSORDATA = "sensors.delete_sensordata"
    VALIDATE_SENSORDATA = "sensors.validate_sensordata"
    ARCHIVE_SENSORDATA = "sensors.archive_sensordata"
    INVALIDATE_SENSORDATA = "sensors.invalidate_sensordata"
    # machines
    VIEW_MACHINE = "machines.view_machine"
    ADD_MACHINE = "machines.add_machine"
    INGEST_TELEMETRY = "machines.ingest_telemetry"
    VIEW_SYSTEMCONFIG = "machines.view_systemconfig"
    CHANGE_SYSTEMCONFIG = "machines.change_systemconfig"


# Lower roles first: what a role is granted, every role above it gets too.
_ASCENDING = list(reversed(ROLE_RANK))


def grant_role_permissions(apps, mapping: dict[str, list[str]]) -> None:
    """Give each role the named `app_label.codename` permissions, cumulatively up the ranks.

    Runs inside a migration, so permissions are created first (normally they appear only
    after `migrate` finishes, too late for a data migration).
    """
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    inherited: list[str] = []
    for role in _ASCENDING:
        inherited = inherited + list(mapping.get(str(role), []))
        group, _ = group_model.objects.get_or_create(name=str(role))
        for dotted in inherited:
            app_label, codename = dotted.split(".", 1)
            perm = permission_model.objects.get(content_type__app_label=app_label, codename=codename)
            group.permissions.add(perm)


def revoke_noop(apps, schema_editor) -> None:
    """Reverse of a grant: leave groups as they are (staff may have tuned them)."""
