"""The charts of a machine's admin page (config.charts): temperature, pressure and speed over the
chosen range from the time-series store (window means through the history selector, so the SQL
store's rollup serves the 7-day view), with the system settings' thresholds as dashed lines."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.admin import BLUE, GREEN, ORANGE
from config.charts import ChartSet, Series, Threshold, line_chart, register_charts
from machines import selectors
from machines.checks import HistoryParams
from machines.choices import FIELDS, INTERVAL_SECONDS, Interval
from machines.models import Machine
from machines.permissions import MachinePermissions

# range → (how far back, the window its means are taken over): at most a few hundred points each.
RANGES = {
    "24h": (timedelta(hours=24), Interval.FIVE_MINUTES),
    "1h": (timedelta(hours=1), Interval.MINUTE),
    "7d": (timedelta(days=7), Interval.HOUR),
}
# One chart per field: its title, colour and the system setting holding its limit.
CHARTS = {
    "temperature": (gettext_lazy("Temperature (°C)"), ORANGE, "max_temperature_threshold"),
    "pressure": (gettext_lazy("Pressure"), BLUE, "max_pressure_threshold"),
    "speed": (gettext_lazy("Speed"), GREEN, None),
}


@register_charts(
    "machines.machine",
    permissions=[MachinePermissions.VIEW_SENSOR_READING],
    ranges=("1h", "24h", "7d"),
    default="24h",
)
def machine_telemetry(machine: Machine, *, range_key: str, now: datetime) -> ChartSet:
    """Three charts of the machine's window means over the range, each with its threshold."""
    span, interval = RANGES[range_key]
    params = HistoryParams(
        start=now - span, end=now, interval=interval.value, fields=FIELDS, limit=2000, offset=0
    )
    record = selectors.MachineRecord(
        machine.pk, machine.name, machine.location, machine.sensor_type, machine.status
    )
    rows = selectors.telemetry_history(machine=record, params=params).rows
    # A line breaks where more than two windows in a row are missing (the machine was silent).
    gap = timedelta(seconds=INTERVAL_SECONDS[interval] * 2.5)
    limits = selectors.systemsetting_numbers(names=[spec[2] for spec in CHARTS.values() if spec[2]])
    charts = []
    for field, (title, colour, setting) in CHARTS.items():
        limit = limits.get(setting) if setting else None
        points = [(row["timestamp"], row[field]) for row in rows if field in row]
        charts.append(
            line_chart(
                title=str(title),
                series=[
                    Series(
                        label=_("%(window)s mean") % {"window": interval.label},
                        points=points,
                        colour=colour,
                        gap=gap,
                    )
                ],
                start=params.start,
                end=params.end,
                thresholds=[Threshold(label=_("max %(limit)s") % {"limit": f"{limit:g}"}, value=limit)]
                if limit is not None
                else [],
            )
        )
    return ChartSet(title=_("Telemetry, last %(range)s") % {"range": range_key}, charts=charts)
