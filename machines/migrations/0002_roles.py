"""Grant the machines permissions to the role groups (created by staff 0002_roles)."""

from django.db import migrations

from config.roles import grant_role_permissions, revoke_noop

MACHINES_PERMISSIONS = {
    "Operator": ["machines.view_machine", "machines.ingest_telemetry", "machines.view_sensorreading"],
    "Supervisor": ["machines.add_machine", "machines.change_machine", "machines.delete_machine"],
    "Management": [
        "machines.view_systemconfig",
        "machines.change_systemconfig",
        "machines.view_systemconfigchange",
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, MACHINES_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("machines", "0001_initial"),
        ("staff", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke_noop)]
