"""Admin for threshold alerts: open ones first, read-only, acknowledged through the same service as
`POST /api/v1/alerts/{id}/acknowledge` (Supervisor and up). Imported by machines/admin.py."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from config.admin import GREY, ORANGE, RED, DateRangeFilter, ReadOnlyAdminMixin, coloured
from machines import services
from machines.choices import AlertSeverity, AlertStatus
from machines.exceptions import AlertAlreadyAcknowledged, AlertNotFound
from machines.models import Alert
from machines.permissions import MachinePermissions


class AlertStatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(AlertStatus.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet[Alert]) -> QuerySet[Alert]:
        if self.value() == AlertStatus.OPEN:
            return queryset.filter(closed_at__isnull=True)
        if self.value() == AlertStatus.CLOSED:
            return queryset.filter(closed_at__isnull=False)
        return queryset


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Alerts arrive through ingest only; people acknowledge them (the action below). Listed in the
    model's order: open alerts first, the latest breach first."""

    list_display = [
        "coloured_severity",
        "machine",
        "metric",
        "bound",
        "last_value",
        "peak_value",
        "threshold",
        "count",
        "last_seen",
        "status_label",
        "acknowledged_by",
    ]
    list_filter = [
        AlertStatusFilter,
        ("last_seen", DateRangeFilter),
        "severity",
        "metric",
        "bound",
        "machine",
    ]
    list_select_related = ["machine", "acknowledged_by"]
    search_fields = ["machine__name"]
    date_hierarchy = "last_seen"
    actions = ["acknowledge"]

    @admin.display(description="severity", ordering="severity")
    def coloured_severity(self, obj: Alert) -> str:
        colour = RED if obj.severity == AlertSeverity.CRITICAL else ORANGE
        return coloured(obj.get_severity_display(), colour)

    @admin.display(description="status", ordering="closed_at")
    def status_label(self, obj: Alert) -> str:
        if obj.closed_at is None:
            return coloured(gettext("Open"), RED if obj.acknowledged_at is None else ORANGE)
        return coloured(gettext("Closed"), GREY)

    def has_acknowledge_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MachinePermissions.ACKNOWLEDGE_ALERT)

    @admin.action(description=_("Acknowledge selected alerts"), permissions=["acknowledge"])
    def acknowledge(self, request: HttpRequest, queryset: QuerySet[Alert]) -> None:
        done = already = 0
        for alert_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                services.alert_acknowledge(alert_id=alert_id, actor=request.user)
            except AlertAlreadyAcknowledged:
                already += 1
            except AlertNotFound:
                continue
            else:
                done += 1
        text = ngettext("%(count)d alert acknowledged.", "%(count)d alerts acknowledged.", done)
        self.message_user(request, text % {"count": done}, messages.SUCCESS)
        if already:
            text = ngettext(
                "%(count)d alert was already acknowledged.",
                "%(count)d alerts were already acknowledged.",
                already,
            )
            self.message_user(request, text % {"count": already}, messages.WARNING)
