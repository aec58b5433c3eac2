"""The ledger of applied role grants (config.grants), and its starting point.

The grants the apps' historical data migrations applied (staff/locks/maintenance/sensors/machines
`0002_roles`, sensors 0003, machines 0005) are recorded as applied without touching a group: a
permission Management removed from a role before this migration stays removed. From here on
`config.grants.sync_role_grants` applies what the apps' permission enums declare, after every
`migrate`. The list below is history, frozen like those migrations' own lists.
"""

from django.db import migrations, models

BASELINE = {
    "Operator": [
        "locks.change_device_status",
        "locks.view_device",
        "locks.view_devicelog",
        "machines.view_machine",
        "machines.view_sensorreading",
        "maintenance.add_serviceorder",
        "maintenance.add_serviceorderimage",
        "maintenance.view_category",
        "maintenance.view_serviceorder",
        "maintenance.view_serviceorderimage",
        "maintenance.view_serviceorderitem",
        "maintenance.view_sparepart",
        "sensors.add_sensordata",
        "sensors.view_sensor",
        "sensors.view_sensordata",
        "sensors.view_unit",
        "staff.view_position",
    ],
    "Supervisor": [
        "locks.add_device",
        "locks.change_device",
        "locks.change_device_status",
        "locks.delete_device",
        "locks.view_device",
        "locks.view_devicelog",
        "machines.add_machine",
        "machines.change_machine",
        "machines.delete_machine",
        "machines.ingest_telemetry",
        "machines.view_machine",
        "machines.view_sensorreading",
        "maintenance.add_category",
        "maintenance.add_serviceorder",
        "maintenance.add_serviceorderimage",
        "maintenance.add_sparepart",
        "maintenance.change_category",
        "maintenance.change_sparepart",
        "maintenance.transition_serviceorder",
        "maintenance.view_auditlog",
        "maintenance.view_category",
        "maintenance.view_serviceorder",
        "maintenance.view_serviceorderimage",
        "maintenance.view_serviceorderitem",
        "maintenance.view_sparepart",
        "sensors.add_sensor",
        "sensors.add_sensordata",
        "sensors.add_unit",
        "sensors.archive_sensordata",
        "sensors.change_sensor",
        "sensors.change_sensordata",
        "sensors.change_unit",
        "sensors.invalidate_sensordata",
        "sensors.validate_sensordata",
        "sensors.view_sensor",
        "sensors.view_sensordata",
        "sensors.view_unit",
        "staff.add_position",
        "staff.change_position",
        "staff.delete_position",
        "staff.view_personal_data",
        "staff.view_position",
        "staff.view_user",
    ],
    "Management": [
        "locks.add_device",
        "locks.change_device",
        "locks.change_device_status",
        "locks.delete_device",
        "locks.view_device",
        "locks.view_devicelog",
        "machines.add_machine",
        "machines.change_machine",
        "machines.change_systemconfig",
        "machines.delete_machine",
        "machines.ingest_telemetry",
        "machines.view_machine",
        "machines.view_sensorreading",
        "machines.view_systemconfig",
        "machines.view_systemconfigchange",
        "maintenance.add_category",
        "maintenance.add_serviceorder",
        "maintenance.add_serviceorderimage",
        "maintenance.add_sparepart",
        "maintenance.change_category",
        "maintenance.change_sparepart",
        "maintenance.delete_category",
        "maintenance.delete_serviceorder",
        "maintenance.delete_sparepart",
        "maintenance.transition_serviceorder",
        "maintenance.view_auditlog",
        "maintenance.view_category",
        "maintenance.view_serviceorder",
        "maintenance.view_serviceorderimage",
        "maintenance.view_serviceorderitem",
        "maintenance.view_sparepart",
        "sensors.add_sensor",
        "sensors.add_sensordata",
        "sensors.add_unit",
        "sensors.archive_sensordata",
        "sensors.change_sensor",
        "sensors.change_sensordata",
        "sensors.change_unit",
        "sensors.delete_sensor",
        "sensors.delete_sensordata",
        "sensors.delete_unit",
        "sensors.invalidate_sensordata",
        "sensors.validate_sensordata",
        "sensors.view_sensor",
        "sensors.view_sensordata",
        "sensors.view_unit",
        "staff.add_position",
        "staff.add_user",
        "staff.assign_role",
        "staff.change_position",
        "staff.change_user",
        "staff.delete_position",
        "staff.delete_user",
        "staff.view_personal_data",
        "staff.view_position",
        "staff.view_user",
    ],
    "Telemetry gateway": [
        "machines.ingest_telemetry",
    ],
}


def record_baseline(apps, schema_editor):
    role_grant = apps.get_model("platform", "RoleGrant")
    role_grant.objects.using(schema_editor.connection.alias).bulk_create(
        [role_grant(group=group, permission=dotted) for group, perms in BASELINE.items() for dotted in perms],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    initial = True

    # After every historical grant, so the baseline describes what they did.
    dependencies = [
        ("staff", "0002_roles"),
        ("locks", "0002_roles"),
        ("maintenance", "0002_roles"),
        ("sensors", "0003_reading_workflow_audit"),
        ("machines", "0005_ingest_permission_and_text_checks"),
    ]

    operations = [
        migrations.CreateModel(
            name="RoleGrant",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("group", models.CharField(max_length=150)),
                ("permission", models.CharField(help_text='"app_label.codename"', max_length=255)),
                ("applied_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["group", "permission"],
                "constraints": [
                    models.UniqueConstraint(fields=("group", "permission"), name="platform_rolegrant_unique")
                ],
            },
        ),
        migrations.RunPython(record_baseline, migrations.RunPython.noop),
    ]
