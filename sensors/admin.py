"""Admin for units, sensors and readings. Every write goes through `sensors.services` (the sensor
inline under a unit too), so the admin keeps the same rules as the API: a reading's status moves
only through the validate/invalidate/archive actions, which report what changed and what was
refused; a new reading gets only a status its author may give; an archived reading is read-only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connections, models
from django.db.models import QuerySet
from django.forms import BaseModelFormSet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from config.admin import (
    GREEN,
    GREY,
    ORANGE,
    RED,
    CSVExportMixin,
    DateRangeFilter,
    ServiceAdmin,
    StatusColourMixin,
)
from sensors import selectors, services
from sensors.choices import DataStatus
from sensors.models import Sensor, SensorData, Unit
from sensors.permissions import SensorPermissions

STATUS_COLOURS = {
    DataStatus.PENDING: ORANGE,
    DataStatus.VALIDATED: GREEN,
    DataStatus.ARCHIVED: GREY,
    DataStatus.INVALID: RED,
}
# Below this many rows an exact COUNT(*) is cheap enough; above it the change list shows an estimate.
EXACT_COUNT_BELOW = 100_000


class EstimatedCountPaginator(Paginator):
    """An unfiltered change list of a big table counts from PostgreSQL's statistics (pg_class.reltuples)
    instead of a COUNT(*) over a million rows on every page; filtered lists count exactly."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if query is not None and not query.where and connections[queryset.db].vendor == "postgresql":
            with connections[queryset.db].cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [queryset.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] >= EXACT_COUNT_BELOW:
                return int(row[0])
        return super().count


def _when(moment) -> str:
    return formats.localize(timezone.localtime(moment)) if moment else "none yet"


class SensorInline(admin.TabularInline):
    """A unit's sensors; saved through the sensor services by `UnitAdmin.save_formset`."""

    model = Sensor
    fields = ["name", "sensor_type", "status", "description", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    show_change_link = True
    formfield_overrides = {models.TextField: {"widget": forms.TextInput(attrs={"size": 40})}}


@admin.register(Unit)
class UnitAdmin(ServiceAdmin):
    services = services
    entity = "unit"
    list_display = ["name", "location", "sensor_count", "created_at"]
    search_fields = ["name", "location"]
    ordering = ["-created_at", "-id"]
    readonly_fields = ["created_at", "updated_at", "statistics"]
    fields = ["name", "location", "description", "created_at", "updated_at", "statistics"]
    inlines = [SensorInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Unit]:
        return selectors.unit_with_sensor_counts(units=super().get_queryset(request))

    def get_fields(self, request: HttpRequest, obj: Unit | None = None) -> list[str]:
        return self.fields if obj is not None else ["name", "location", "description"]

    @admin.display(description="sensors", ordering="sensor_count")
    def sensor_count(self, obj: Unit) -> int:
        return obj.sensor_count

    @admin.display(description="statistics")
    def statistics(self, obj: Unit) -> str:
        stats = selectors.unit_statistics(unit_id=obj.pk)
        labels = [
            ("Sensors", stats["total_sensors"]),
            ("Active", stats["active_sensors"]),
            ("Inactive", stats["inactive_sensors"]),
            ("Maintenance", stats["maintenance_sensors"]),
            ("Readings", stats["total_data_points"]),
            ("Latest reading", _when(stats["latest_data_timestamp"])),
        ]
        rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", labels)
        return format_html('<table class="sensors-statistics">{}</table>', rows)

    def save_formset(self, request: HttpRequest, form: Any, formset: BaseModelFormSet, change: bool) -> None:
        """The sensor inline's creates, edits and deletes, each through its service."""
        if formset.model is not Sensor:
            super().save_formset(request, form, formset, change)
            return
        # commit=False runs no write: it only sorts the forms into new, changed and deleted.
        formset.save(commit=False)
        for sensor in formset.deleted_objects:
            services.sensor_delete(sensor=sensor, actor=request.user)
        for sensor, changed in formset.changed_objects:
            inline_form = next(f for f in formset.initial_forms if f.instance is sensor)
            # The form already wrote its values onto `sensor`; the service compares with the row.
            fresh = selectors.sensor_get(sensor_id=sensor.pk)
            services.sensor_update(
                sensor=fresh, **{name: inline_form.cleaned_data[name] for name in changed}, actor=request.user
            )
        for sensor in formset.new_objects:
            created = services.sensor_create(
                name=sensor.name,
                sensor_type=sensor.sensor_type,
                unit_id=form.instance.pk,
                status=sensor.status,
                description=sensor.description,
                actor=request.user,
            )
            sensor.pk, sensor.created_at = created.pk, created.created_at


@admin.register(Sensor)
class SensorAdmin(ServiceAdmin):
    services = services
    entity = "sensor"
    list_display = ["name", "sensor_type", "status", "unit", "created_at"]
    list_filter = ["sensor_type", "status", "unit"]
    search_fields = ["name", "unit__name"]
    list_select_related = ["unit"]
    autocomplete_fields = ["unit"]
    ordering = ["-created_at", "-id"]
    fields = ["name", "sensor_type", "unit", "status", "description", "created_at", "updated_at"]
    readonly_fields = ["created_at", "updated_at"]


@admin.register(SensorData)
class SensorDataAdmin(StatusColourMixin, CSVExportMixin, ServiceAdmin):
    status_colours = STATUS_COLOURS
    services = services
    entity = "sensordata"
    help_texts = {
        "status": "A new reading starts here; afterwards it moves only by the list's Validate, Mark "
        "invalid and Archive actions (Supervisor and up).",
        "value": "The measured value, in the physical unit below.",
    }
    list_display = ["id", "sensor", "unit_name", "value", "physical_unit", "coloured_status", "timestamp"]
    list_filter = ["status", ("timestamp", DateRangeFilter), "sensor__sensor_type", "sensor__unit"]
    search_fields = ["sensor__name", "sensor__unit__name"]
    list_select_related = ["sensor", "sensor__unit"]
    date_hierarchy = "timestamp"
    ordering = ["-timestamp", "-id"]
    autocomplete_fields = ["sensor"]
    actions = ["validate_readings", "invalidate_readings", "archive_readings", "export_csv"]
    # A million rows: no second COUNT(*) for "N total", and an estimated count when unfiltered.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    csv_name = "sensor-readings"
    csv_columns = [
        ("id", lambda r: r.pk),
        ("unit", lambda r: r.sensor.unit.name),
        ("sensor", lambda r: r.sensor.name),
        ("sensor_type", lambda r: r.sensor.sensor_type),
        ("value", lambda r: r.value),
        ("physical_unit", lambda r: r.unit or ""),
        ("status", lambda r: r.status),
        ("timestamp", lambda r: r.timestamp.isoformat()),
    ]

    workflow_fields = ["validated_by", "validated_at", "archived_by", "archived_at"]

    def get_fields(self, request: HttpRequest, obj: SensorData | None = None) -> list[str]:
        if obj is None:
            return ["sensor", "value", "unit", "status"]
        return ["sensor", "value", "unit", "status", "timestamp", "updated_at", *self.workflow_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: SensorData | None = None) -> list[str]:
        # On an existing reading the status is shown, never edited: it moves only by the actions.
        if obj is None:
            return []
        return ["sensor", "status", "timestamp", "updated_at", *self.workflow_fields]

    def formfield_for_choice_field(self, db_field: models.Field, request: HttpRequest, **kwargs: Any):
        """The add form offers only the statuses this user may give a new reading (the service
        records any other as pending)."""
        if db_field.name == "status":
            allowed = services.sensordata_allowed_statuses(actor=request.user)
            kwargs["choices"] = [(value, label) for value, label in DataStatus.choices if value in allowed]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: SensorData | None = None) -> bool:
        # An archived reading is read-only: its page shows it without a save button.
        if obj is not None and obj.status == DataStatus.ARCHIVED:
            return False
        return super().has_change_permission(request, obj)

    @admin.display(description="unit", ordering="sensor__unit__name")
    def unit_name(self, obj: SensorData) -> str:
        return obj.sensor.unit.name

    @admin.display(description="measured in", ordering="unit")
    def physical_unit(self, obj: SensorData) -> str:
        return obj.unit or ""

    def has_validate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SensorPermissions.VALIDATE_SENSORDATA)

    def has_archive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SensorPermissions.ARCHIVE_SENSORDATA)

    def has_invalidate_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(SensorPermissions.INVALIDATE_SENSORDATA)

    @admin.action(description="Mark selected readings invalid", permissions=["invalidate"])
    def invalidate_readings(self, request: HttpRequest, queryset: QuerySet[SensorData]) -> None:
        self.run_service_action(
            request,
            queryset.select_related(None).only("id", "value", "unit", "sensor_id"),
            lambda reading: services.sensordata_invalidate(sensordata_id=reading.pk, actor=request.user),
            done="marked invalid",
        )

    @admin.action(description="Validate selected readings", permissions=["validate"])
    def validate_readings(self, request: HttpRequest, queryset: QuerySet[SensorData]) -> None:
        self.run_service_action(
            request,
            queryset.select_related(None).only("id", "value", "unit", "sensor_id"),
            lambda reading: services.sensordata_validate(sensordata_id=reading.pk, actor=request.user),
            done="validated",
        )

    @admin.action(description="Archive selected readings", permissions=["archive"])
    def archive_readings(self, request: HttpRequest, queryset: QuerySet[SensorData]) -> None:
        self.run_service_action(
            request,
            queryset.select_related(None).only("id", "value", "unit", "sensor_id"),
            lambda reading: services.sensordata_archive(sensordata_id=reading.pk, actor=request.user),
            done="archived",
        )
