"""Grant the maintenance permissions to the role groups (created by staff 0002_roles).

Everyone reads (the API needs no permission to read); Operator creates orders and uploads images;
Supervisor manages categories and parts, moves orders through the lifecycle and reads the audit log;
Management deletes.
"""

from django.db import migrations

from config.roles import grant_role_permissions, revoke_noop

MAINTENANCE_PERMISSIONS = {
    "Operator": [
        "maintenance.view_category",
        "maintenance.view_sparepart",
        "maintenance.view_serviceorder",
        "maintenance.view_serviceorderitem",
        "maintenance.view_serviceorderimage",
        "maintenance.add_serviceorder",
        "maintenance.add_serviceorderimage",
    ],
    "Supervisor": [
        "maintenance.add_category",
        "maintenance.change_category",
        "maintenance.add_sparepart",
        "maintenance.change_sparepart",
        "maintenance.transition_serviceorder",
        "maintenance.view_auditlog",
    ],
    "Management": [
        "maintenance.delete_category",
        "maintenance.delete_sparepart",
        "maintenance.delete_serviceorder",
    ],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, MAINTENANCE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("maintenance", "0001_initial"),
        ("staff", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke_noop)]
