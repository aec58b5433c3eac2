"""Grant the sensors permissions to the role groups (created by staff 0002_roles).

Everyone reads; Operators record readings; Supervisors manage units and sensors, edit readings and
run the validate/archive workflow; only Management deletes."""

from django.db import migrations

from config.roles import grant_role_permissions, revoke_noop

SENSORS_PERMISSIONS = {
    "Operator": [
        "sensors.view_unit",
        "sensors.view_sensor",
        "sensors.view_sensordata",
        "sensors.add_sensordata",
    ],
    "Supervisor": [
        "sensors.add_unit",
        "sensors.change_unit",
        "sensors.add_sensor",
        "sensors.change_sensor",
        "sensors.change_sensordata",
        "sensors.validate_sensordata",
        "sensors.archive_sensordata",
    ],
    "Management": ["sensors.delete_unit", "sensors.delete_sensor", "sensors.delete_sensordata"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, SENSORS_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("sensors", "0001_initial"),
        ("staff", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke_noop)]
