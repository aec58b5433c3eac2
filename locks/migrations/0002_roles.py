"""Grant the locks permissions to the role groups (created by staff 0002_roles)."""

from django.db import migrations

from config.roles import grant_role_permissions, revoke_noop

LOCKS_PERMISSIONS = {
    "Operator": ["locks.view_device", "locks.view_devicelog", "locks.change_device_status"],
    "Supervisor": ["locks.add_device", "locks.change_device", "locks.delete_device"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, LOCKS_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("locks", "0001_initial"),
        ("staff", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, revoke_noop)]
