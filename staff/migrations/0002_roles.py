"""Create the role groups with the staff app's permissions (other apps add theirs)."""

from django.db import migrations

from config.roles import grant_role_permissions, revoke_noop

STAFF_PERMISSIONS = {
    "Operator": ["staff.view_position"],
    "Supervisor": [
        "staff.view_user",
        "staff.view_personal_data",
        "staff.add_position",
        "staff.change_position",
        "staff.delete_position",
    ],
    "Management": ["staff.add_user", "staff.change_user", "staff.delete_user", "staff.assign_role"],
}


def grant(apps, schema_editor):
    grant_role_permissions(apps, STAFF_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [
        ("staff", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant, revoke_noop)]
