"""The charts of a unit's admin page (config.charts): each sensor's readings over recent days as
daily means, one chart per physical unit (celsius beside celsius, never beside lux)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from config.admin import BLUE, GREEN, GREY, ORANGE, RED
from config.charts import ChartSet, Series, line_chart, register_charts
from sensors import selectors
from sensors.models import Unit
from sensors.permissions import SensorPermissions

RANGES = {"7d": 7, "14d": 14, "30d": 30}
PALETTE = (BLUE, ORANGE, GREEN, RED, GREY, "#6a1b9a", "#00838f", "#8d6e63")


@register_charts("sensors.unit", permissions=[SensorPermissions.VIEW_SENSORDATA], ranges=tuple(RANGES))
def unit_readings(unit: Unit, *, range_key: str, now: datetime) -> ChartSet:
    """Daily mean of each sensor's readings since local midnight `range_key` days ago."""
    today = timezone.localtime(now).date()
    first_day = today - timedelta(days=RANGES[range_key] - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    end = timezone.make_aware(datetime.combine(today + timedelta(days=1), time.min))
    by_unit: dict[str, dict[str, list]] = defaultdict(dict)
    for row in selectors.unit_daily_means(unit_id=unit.pk, start=start):
        label = f"{row['sensor_name']} (#{row['sensor_id']})"
        # A day's point sits at its noon, in the middle of the day's stretch of the axis.
        moment = timezone.make_aware(datetime.combine(row["day"], time(12)))
        by_unit[row["physical_unit"] or _("no unit")].setdefault(label, []).append((moment, row["mean"]))
    charts = [
        line_chart(
            title=_("Daily mean (%(unit)s)") % {"unit": physical_unit},
            series=[
                Series(label=label, points=points, colour=PALETTE[i % len(PALETTE)], gap=timedelta(days=1.5))
                for i, (label, points) in enumerate(sensors.items())
            ],
            start=start,
            end=end,
        )
        for physical_unit, sensors in sorted(by_unit.items())
    ]
    if not charts:
        charts = [line_chart(title=_("Daily mean"), series=[], start=start, end=end)]
    return ChartSet(title=_("Readings per sensor, last %(range)s") % {"range": range_key}, charts=charts)
