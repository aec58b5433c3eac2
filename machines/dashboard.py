"""The machines panel of the admin dashboard (config.dashboard): machines by status, when each last
reported, which went over the system settings' temperature or pressure threshold in the last hour,
and the telemetry ingest rate of that hour; and the open threshold alerts (machines/services/alerts.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.dashboard import (
    ALERT,
    NORMAL,
    WARN,
    Figure,
    PanelBody,
    Row,
    change_url,
    changelist_url,
    register_panel,
    since,
)
from machines import selectors
from machines.choices import AlertSeverity, AlertStatus, MachineStatus
from machines.permissions import MachinePermissions

WINDOW = timedelta(hours=1)
# The machines listed under the figures, longest silent first; the figures open the full lists.
MACHINE_ROWS = 10
# A machine silent for longer than this is shown as needing a look.
SILENT_AFTER = timedelta(minutes=15)
STATUS_TONES = {MachineStatus.ERROR: ALERT, MachineStatus.MAINTENANCE: WARN}


def _over(value: float | None, threshold: float | None) -> bool:
    return value is not None and threshold is not None and value > threshold


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


@register_panel(
    "machines.activity",
    title=gettext_lazy("Machines"),
    permissions=[MachinePermissions.VIEW_MACHINE, MachinePermissions.VIEW_SENSOR_READING],
    order=50,
)
def machine_activity(*, now: datetime) -> PanelBody:
    """Machines by status; telemetry of the last hour against the thresholds; the silent ones."""
    start = now - WINDOW
    machines = selectors.machine_activity(since=start)
    limits = selectors.systemsetting_numbers(names=("max_temperature_threshold", "max_pressure_threshold"))
    max_temperature, max_pressure = limits["max_temperature_threshold"], limits["max_pressure_threshold"]
    hot = sum(_over(m.max_temperature, max_temperature) for m in machines)
    pressed = sum(_over(m.max_pressure, max_pressure) for m in machines)
    points = sum(m.recent_points for m in machines)
    recent = {"timestamp__gte": start.isoformat()}
    figures = [
        Figure(
            key=status.value,
            label=status.label,
            value=sum(m.status == status.value for m in machines),
            url=changelist_url("machines.machine", status__exact=status.value),
            tone=STATUS_TONES.get(status, NORMAL)
            if any(m.status == status.value for m in machines)
            else NORMAL,
        )
        for status in MachineStatus
    ]
    figures += [
        Figure(
            key="ingest_rate",
            label=_("Points per minute (last hour)"),
            value=round(points / (WINDOW.total_seconds() / 60), 1),
            url=changelist_url("machines.sensorreading", **recent),
        ),
        Figure(
            key="over_temperature",
            label=_("Over %(limit)s °C (last hour)") % {"limit": _number(max_temperature)},
            value=hot if max_temperature is not None else _("not set"),
            url=changelist_url("machines.sensorreading", **recent, temperature__gt=max_temperature)
            if max_temperature is not None
            else "",
            tone=ALERT if hot else NORMAL,
        ),
        Figure(
            key="over_pressure",
            label=_("Over pressure %(limit)s (last hour)") % {"limit": _number(max_pressure)},
            value=pressed if max_pressure is not None else _("not set"),
            url=changelist_url("machines.sensorreading", **recent, pressure__gt=max_pressure)
            if max_pressure is not None
            else "",
            tone=ALERT if pressed else NORMAL,
        ),
    ]
    silent_first = sorted(machines, key=lambda m: (m.last_seen is not None, m.last_seen or now, m.name))
    rows = []
    for m in silent_first[:MACHINE_ROWS]:
        over = _over(m.max_temperature, max_temperature) or _over(m.max_pressure, max_pressure)
        silent = m.last_seen is None or now - m.last_seen > SILENT_AFTER
        rows.append(
            Row(
                cells=(
                    m.name,
                    MachineStatus(m.status).label,
                    since(m.last_seen, now),
                    str(m.recent_points),
                    _number(m.max_temperature),
                    _number(m.max_pressure),
                ),
                url=change_url("machines.machine", m.machine_id),
                tone=ALERT if over else WARN if silent else NORMAL,
            )
        )
    note = _("Telemetry figures read the SQL store; InfluxDB is configured.") if settings.INFLUXDB_URL else ""
    return PanelBody(
        figures=figures,
        columns=(
            _("Machine"),
            _("Status"),
            _("Last reported"),
            _("Points (1 h)"),
            _("Max temp."),
            _("Max pressure"),
        ),
        rows=rows,
        note=note,
    )


@register_panel(
    "machines.alerts",
    title=gettext_lazy("Open alerts"),
    permissions=[MachinePermissions.VIEW_ALERT],
    order=55,
)
def open_alerts(*, now: datetime) -> PanelBody:
    """Open threshold alerts by severity, the latest breaches listed; refreshed with the dashboard."""
    summary = selectors.alerts_open_summary(newest=MACHINE_ROWS)
    figures = [
        Figure(
            key=severity.value,
            label=severity.label,
            value=summary.counts[severity.value],
            url=changelist_url(
                "machines.alert", status=AlertStatus.OPEN.value, severity__exact=severity.value
            ),
            tone=(ALERT if severity == AlertSeverity.CRITICAL else WARN)
            if summary.counts[severity.value]
            else NORMAL,
        )
        for severity in AlertSeverity
    ]
    rows = [
        Row(
            cells=(
                alert.machine.name,
                alert.get_metric_display(),
                alert.get_severity_display(),
                _number(alert.last_value),
                _number(alert.threshold),
                since(alert.last_seen, now),
                _("yes") if alert.acknowledged_at else _("no"),
            ),
            url=change_url("machines.alert", alert.pk),
            tone=ALERT if alert.severity == AlertSeverity.CRITICAL else WARN,
        )
        for alert in summary.newest
    ]
    return PanelBody(
        figures=figures,
        columns=(
            _("Machine"),
            _("Metric"),
            _("Severity"),
            _("Last value"),
            _("Limit"),
            _("Last breach"),
            _("Acknowledged"),
        ),
        rows=rows,
    )
