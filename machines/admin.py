"""Admin for machines, system settings and readings. Every write goes through machines.services,
so the admin's changes are validated, recorded and cache-invalidated exactly like the API's."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.http import HttpRequest

from config.admin import (
    GREEN,
    GREY,
    ORANGE,
    RED,
    CSVExportMixin,
    DateRangeFilter,
    ReadOnlyAdminMixin,
    ServiceAdmin,
    StatusColourMixin,
    admin_link,
)
from config.choices import ChangeSource
from config.imports import ServiceImportMixin
from machines import services
from machines.choices import MachineStatus
from machines.exceptions import InvalidSetting, MachineDuplicate
from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.resources import MachineResource


@admin.register(Machine)
class MachineAdmin(StatusColourMixin, CSVExportMixin, ServiceImportMixin, ServiceAdmin):
    status_colours = {
        MachineStatus.ACTIVE: GREEN,
        MachineStatus.INACTIVE: GREY,
        MachineStatus.MAINTENANCE: ORANGE,
        MachineStatus.ERROR: RED,
    }
    services = services
    entity = "machine"
    refusal_fields = {MachineDuplicate: "name"}
    resource_classes = [MachineResource]
    list_display = ["name", "coloured_status", "location", "sensor_type", "updated_at"]
    list_filter = ["status", "sensor_type", "location"]
    search_fields = ["name", "location"]
    ordering = ["name", "id"]
    readonly_fields = ["id", "created_at", "updated_at", "readings_link"]
    fields = ["id", "name", "location", "sensor_type", "status", "created_at", "updated_at", "readings_link"]
    actions = ["export_csv"]
    csv_name = "machines"
    csv_columns = [
        ("machine_id", lambda m: m.pk),
        ("name", lambda m: m.name),
        ("location", lambda m: m.location),
        ("sensor_type", lambda m: m.sensor_type),
        ("status", lambda m: m.status),
    ]

    def get_fields(self, request: HttpRequest, obj: Machine | None = None) -> list[str]:
        return self.fields if obj is not None else ["name", "location", "sensor_type", "status"]

    @admin.display(description="telemetry")
    def readings_link(self, obj: Machine) -> str:
        return admin_link(SensorReading, "telemetry in the SQL store", query={"machine__id__exact": obj.pk})


class SystemConfigChangeInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = SystemConfigChange
    fields = ["changed_at", "old_value", "new_value", "changed_by", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = "change history"


class SystemConfigForm(forms.ModelForm):
    class Meta:
        model = SystemConfig
        fields = ["name", "value"]
        widgets = {"value": forms.TextInput(attrs={"size": 60})}


@admin.register(SystemConfig)
class SystemConfigAdmin(ServiceAdmin):
    """Settings are changed through `systemsetting_set`, like POST /api/v1/config/update (recorded)."""

    services = services
    entity = "systemsetting"
    form = SystemConfigForm
    refusal_fields = {InvalidSetting: "value"}
    help_texts = {
        "value": "Checked for the settings the system reads: thresholds are decimals above 0 (85.5), "
        "alert_email an address, data_retention_days whole days from 1 to 3650. Others are free notes.",
    }
    list_display = ["name", "value", "updated_by", "updated_at"]
    search_fields = ["name", "value"]
    ordering = ["name"]
    inlines = [SystemConfigChangeInline]

    def get_inlines(self, request: HttpRequest, obj: SystemConfig | None) -> list:
        return self.inlines if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: SystemConfig | None = None) -> list[str]:
        return ["name", "value", "updated_by", "updated_at"] if obj is not None else ["name", "value"]

    def get_readonly_fields(self, request: HttpRequest, obj: SystemConfig | None = None) -> list[str]:
        return ["name", "updated_by", "updated_at"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: SystemConfig, form, change: bool) -> None:
        name = obj.name if change else form.cleaned_data["name"]
        saved = services.systemsetting_set(
            name=name, value=form.cleaned_data["value"], actor=request.user, source=ChangeSource.ADMIN
        ).setting
        obj.pk, obj.name, obj.value = saved.pk, saved.name, saved.value
        obj._state.adding = False
        obj._state.db = saved._state.db

    def delete_model(self, request: HttpRequest, obj: SystemConfig) -> None:
        services.systemsetting_delete(setting=obj, actor=request.user)


@admin.register(SystemConfigChange)
class SystemConfigChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change history is evidence: readable, never edited."""

    list_display = ["changed_at", "name", "old_value", "new_value", "changed_by", "source"]
    list_filter = ["source", "name", ("changed_at", DateRangeFilter)]
    date_hierarchy = "changed_at"
    search_fields = ["name", "old_value", "new_value"]
    list_select_related = ["changed_by"]
    ordering = ["-changed_at", "-id"]


@admin.register(SensorReading)
class SensorReadingAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Telemetry points of the SQL store, read-only (they arrive through ingest and MQTT only)."""

    list_display = ["timestamp", "machine", "temperature", "pressure", "speed", "location", "sensor_type"]
    list_filter = [("timestamp", DateRangeFilter), "machine"]
    date_hierarchy = "timestamp"
    list_select_related = ["machine"]
    ordering = ["-timestamp", "-id"]
    # Counting millions of readings on every page view costs more than the page.
    show_full_result_count = False
    list_per_page = 50
