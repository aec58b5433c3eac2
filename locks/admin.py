"""Admin for devices and their change log. Every write goes through locks.services, so the admin
is version-checked and logged exactly like the API."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from config.admin import (
    GREEN,
    GREY,
    ORANGE,
    RED,
    DateRangeFilter,
    ReadOnlyAdminMixin,
    ServiceAdmin,
    StatusColourMixin,
    admin_link,
)
from config.choices import ChangeSource
from locks import selectors, services
from locks.choices import LockStatus
from locks.exceptions import DeviceNotFound, DeviceVersionConflict
from locks.models import Device, DeviceLog
from locks.permissions import LockPermissions

STATUS_COLOURS = {
    LockStatus.LOCKED: GREEN,
    LockStatus.UNLOCKED: RED,
    LockStatus.JAMMED: ORANGE,
    LockStatus.UNKNOWN: GREY,
}
RECENT_LOGS = 20


class DeviceAdminForm(forms.ModelForm):
    """Carries the version the editor saw, so a save over someone else's change is refused."""

    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    class Meta:
        model = Device
        fields = ["name", "type", "status", "location"]

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.instance._state.adding:
            self.fields["expected_version"].initial = self.instance.version_id
            self.fields["expected_version"].required = True


class RecentLogFormSet(BaseInlineFormSet):
    """Only the latest changes: a busy lock has thousands (the log admin has them all)."""

    def get_queryset(self) -> QuerySet[DeviceLog]:
        if not hasattr(self, "_recent"):
            self._recent = selectors.device_recent_logs(logs=super().get_queryset(), limit=RECENT_LOGS)
        return self._recent


class DeviceLogInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = DeviceLog
    formset = RecentLogFormSet
    fields = ["version_id", "changed_at", "previous_status", "new_status", "actor", "note", "source"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    verbose_name_plural = f"latest {RECENT_LOGS} changes"


@admin.register(Device)
class DeviceAdmin(StatusColourMixin, ServiceAdmin):
    services = services
    entity = "device"
    status_colours = STATUS_COLOURS
    form = DeviceAdminForm
    help_texts = {
        "type": "The kind of device, e.g. smart-lock.",
        "status": "Saved like the API's status change: version-checked and logged (source admin).",
        "version_id": "Goes up by one with every change; a save over a newer version than this page read "
        "is refused.",
    }
    list_display = ["name", "coloured_status", "type", "location", "version_id", "updated_at"]
    list_filter = ["status", "type", "location"]
    search_fields = ["name", "location"]
    ordering = ["name", "id"]
    readonly_fields = ["id", "version_id", "created_at", "updated_at", "all_logs"]
    fields = [
        "id",
        "name",
        "type",
        "status",
        "location",
        "version_id",
        "created_at",
        "updated_at",
        "all_logs",
    ]
    inlines = [DeviceLogInline]
    actions = ["lock_devices", "unlock_devices"]

    def get_fields(self, request: HttpRequest, obj: Device | None = None) -> list[str]:
        if obj is None:
            return ["name", "type", "status", "location"]
        return [*self.fields, "expected_version"]

    def get_inlines(self, request: HttpRequest, obj: Device | None) -> list:
        return self.inlines if obj is not None else []

    @admin.display(description="change log")
    def all_logs(self, obj: Device) -> str:
        text = f"all {selectors.device_log_count(device=obj)} changes"
        return admin_link(DeviceLog, text, query={"device__id__exact": obj.pk})

    # --- Writes: always through the services ----------------------------------------------------
    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        # A stale save is refused by the service inside the admin's transaction: everything rolls
        # back and the editor sees the current data with what changed (ServiceAdmin handles the rest).
        try:
            return super(ServiceAdmin, self).changeform_view(request, object_id, form_url, extra_context)
        except DeviceVersionConflict as exc:
            self.message_user(
                request,
                "Not saved: someone else changed this device while you were editing it "
                f"(it is now at version {exc.extra['current_version_id']}, "
                f"status {exc.extra['current_status']}). Review the current values below and save again.",
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)
        except DeviceNotFound:
            self.message_user(request, "Not saved: this device has been deleted.", messages.ERROR)
            return HttpResponseRedirect(reverse("admin:locks_device_changelist"))

    def save_model(self, request: HttpRequest, obj: Device, form: DeviceAdminForm, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # A change is up to two version-checked steps: metadata, then the (logged) status.
        data = form.cleaned_data
        version = data["expected_version"]
        changed = {f: data[f] for f in form.changed_data if f in ("name", "type", "location")}
        if changed:
            version = services.device_update(
                device=obj.pk, expected_version=version, actor=request.user, **changed
            ).version_id
        if "status" in form.changed_data:
            version = services.device_change_status(
                device_id=obj.pk,
                new_status=data["status"],
                expected_version=version,
                actor=request.user,
                note="admin change form",
                source=ChangeSource.ADMIN,
            ).version_id
        obj.version_id = version

    def has_change_device_status_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(LockPermissions.CHANGE_DEVICE_STATUS)

    def _set_status(self, request: HttpRequest, queryset: QuerySet[Device], new_status: str) -> None:
        devices = queryset.only("id", "name", "status", "version_id")
        unchanged = sum(1 for device in devices if device.status == new_status)
        label = LockStatus(new_status).label.lower()
        changed, failed = self.run_service_action(
            request,
            devices.exclude(status=new_status),
            lambda device: services.device_change_status(
                device_id=device.pk,
                new_status=new_status,
                expected_version=device.version_id,
                actor=request.user,
                note=f"admin action: {new_status}",
                source=ChangeSource.ADMIN,
            ),
        )
        self.message_user(request, f"{changed} device(s) {label}, {unchanged} already {label}.")
        if failed:
            self.message_user(
                request,
                "Not changed because they changed meanwhile, try again: " + ", ".join(failed),
                messages.WARNING,
            )

    @admin.action(description="Lock selected devices", permissions=["change_device_status"])
    def lock_devices(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        self._set_status(request, queryset, LockStatus.LOCKED)

    @admin.action(description="Unlock selected devices", permissions=["change_device_status"])
    def unlock_devices(self, request: HttpRequest, queryset: QuerySet[Device]) -> None:
        self._set_status(request, queryset, LockStatus.UNLOCKED)


@admin.register(DeviceLog)
class DeviceLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The change log is evidence: readable by whoever may view it, writable by nobody."""

    list_display = [
        "changed_at",
        "device",
        "previous_status",
        "new_status",
        "version_id",
        "actor",
        "note",
        "source",
    ]
    list_filter = ["source", "new_status", ("changed_at", DateRangeFilter)]
    search_fields = ["device__name", "note", "actor__username"]
    list_select_related = ["device", "actor"]
    date_hierarchy = "changed_at"
    ordering = ["-changed_at", "-id"]
    readonly_fields = fields = list(DeviceLog.LOGGED_FIELDS)
