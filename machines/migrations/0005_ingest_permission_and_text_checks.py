"""HTTP ingest becomes its own grant (Supervisor, Management and the "Telemetry gateway" group;
no longer Operator, which anyone could self-register as), and the machine's names and tags refuse
control characters."""

from django.db import migrations, models

import machines.checks
from config.roles import grant_role_permissions, revoke_noop

INGEST = ("machines", "ingest_telemetry")
# A literal, as migrations are history (machines.permissions.TELEMETRY_GATEWAY_GROUP today).
TELEMETRY_GATEWAY_GROUP = "Telemetry gateway"


def grant(apps, schema_editor):
    # Cumulative up the ranks: Supervisor and Management.
    grant_role_permissions(apps, {"Supervisor": [".".join(INGEST)]})
    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    perm = permission_model.objects.get(content_type__app_label=INGEST[0], codename=INGEST[1])
    for operator in group_model.objects.filter(name="Operator"):
        operator.permissions.remove(perm)
    gateway, _ = group_model.objects.get_or_create(name=TELEMETRY_GATEWAY_GROUP)
    gateway.permissions.add(perm)


class Migration(migrations.Migration):
    dependencies = [("machines", "0004_partition_readings")]

    operations = [
        migrations.AlterField(
            model_name="machine",
            name="location",
            field=models.CharField(max_length=500, validators=[machines.checks.refuse_control_characters]),
        ),
        migrations.AlterField(
            model_name="machine",
            name="name",
            field=models.CharField(
                max_length=255, unique=True, validators=[machines.checks.refuse_control_characters]
            ),
        ),
        migrations.AlterField(
            model_name="machine",
            name="sensor_type",
            field=models.CharField(max_length=100, validators=[machines.checks.refuse_control_characters]),
        ),
        migrations.RunPython(grant, revoke_noop),
    ]
