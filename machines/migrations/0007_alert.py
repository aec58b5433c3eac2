"""Threshold alerts (one open row per machine, metric and bound) and the minimum temperature
setting the low-temperature rule reads, with its first change-history row (source: migration)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MIN_TEMPERATURE = ("min_temperature_threshold", "0.0")


def create_min_temperature(apps, schema_editor):
    config_model = apps.get_model("machines", "SystemConfig")
    change_model = apps.get_model("machines", "SystemConfigChange")
    name, value = MIN_TEMPERATURE
    setting, created = config_model.objects.get_or_create(name=name, defaults={"value": value})
    if created:
        change_model.objects.create(
            setting=setting, name=name, old_value=None, new_value=value, source="migration"
        )


def keep(apps, schema_editor):
    """Reverse: leave the setting (staff may have changed it)."""


class Migration(migrations.Migration):
    dependencies = [
        ("machines", "0006_telemetry_names_and_help"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Alert",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                (
                    "metric",
                    models.CharField(
                        choices=[("temperature", "Temperature"), ("pressure", "Pressure")], max_length=16
                    ),
                ),
                (
                    "bound",
                    models.CharField(
                        choices=[("max", "Above maximum"), ("min", "Below minimum")], max_length=8
                    ),
                ),
                (
                    "severity",
                    models.CharField(
                        choices=[("warning", "Warning"), ("critical", "Critical")], max_length=16
                    ),
                ),
                (
                    "threshold",
                    models.FloatField(help_text="The limit in force at the latest breaching reading."),
                ),
                ("last_value", models.FloatField(help_text="The latest breaching reading's value.")),
                (
                    "peak_value",
                    models.FloatField(
                        help_text="The furthest past the limit: highest above a maximum, lowest below a minimum."
                    ),
                ),
                ("first_seen", models.DateTimeField(help_text="Time of the first breaching reading.")),
                ("last_seen", models.DateTimeField(help_text="Time of the latest breaching reading.")),
                (
                    "count",
                    models.PositiveIntegerField(
                        default=1, help_text="Breaching readings received while open."
                    ),
                ),
                ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                (
                    "closed_at",
                    models.DateTimeField(blank=True, help_text="Empty while the alert is open.", null=True),
                ),
                ("notified_severity", models.CharField(blank=True, default="", max_length=16)),
                ("notified_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "acknowledged_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "machine",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="alerts",
                        to="machines.machine",
                    ),
                ),
            ],
            options={
                "ordering": [
                    models.OrderBy(models.F("closed_at"), descending=True, nulls_first=True),
                    "-last_seen",
                    "-id",
                ],
                "permissions": [("acknowledge_alert", "Can acknowledge a threshold alert")],
                "indexes": [
                    models.Index(
                        fields=["machine", "metric", "-last_seen"], name="machines_alert_machine_idx"
                    ),
                    models.Index(fields=["-last_seen"], name="machines_alert_last_seen_idx"),
                ],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("closed_at__isnull", True)),
                        fields=("machine", "metric", "bound"),
                        name="machines_alert_one_open",
                        violation_error_message="This machine already has an open alert for this metric and bound.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("metric__in", ["temperature", "pressure"]),
                            ("bound__in", ["max", "min"]),
                            ("severity__in", ["warning", "critical"]),
                        ),
                        name="machines_alert_choices_valid",
                        violation_error_message="Metric, bound or severity is not one of its choices.",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("count__gte", 1), ("last_seen__gte", models.F("first_seen"))),
                        name="machines_alert_seen_consistent",
                        violation_error_message="An alert counts at least one reading, first seen before last seen.",
                    ),
                ],
            },
        ),
        migrations.RunPython(create_min_temperature, keep),
    ]
