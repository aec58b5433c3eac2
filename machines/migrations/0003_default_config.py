"""The default system settings; each gets its first change-history row (source: migration)."""

from django.db import migrations

DEFAULTS = {
    "max_temperature_threshold": "80.0",
    "max_pressure_threshold": "150.0",
    "alert_email": "alerts@factory.com",
    "data_retention_days": "365",
}


def create_defaults(apps, schema_editor):
    config_model = apps.get_model("machines", "SystemConfig")
    change_model = apps.get_model("machines", "SystemConfigChange")
    for name, value in DEFAULTS.items():
        setting, created = config_model.objects.get_or_create(name=name, defaults={"value": value})
        if created:
            change_model.objects.create(
                setting=setting, name=name, old_value=None, new_value=value, source="migration"
            )


def keep(apps, schema_editor):
    """Reverse: leave the settings (staff may have changed them)."""


class Migration(migrations.Migration):
    dependencies = [("machines", "0002_roles")]

    operations = [migrations.RunPython(create_defaults, keep)]
