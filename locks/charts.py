"""The chart of a device's admin page (config.charts): its lock status over time, read from the
device log (each change starts a band in the new status' colour)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _

from config.admin import GREY
from config.charts import Band, ChartSet, register_charts, timeline_chart
from locks import selectors
from locks.admin import STATUS_COLOURS
from locks.choices import LockStatus
from locks.models import Device
from locks.permissions import LockPermissions

RANGES = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30)}


@register_charts(
    "locks.device", permissions=[LockPermissions.VIEW_DEVICE_LOG], ranges=tuple(RANGES), default="7d"
)
def device_status(device: Device, *, range_key: str, now: datetime) -> ChartSet:
    """Bands of the device's status over the range; before its first logged change the device is
    shown in the status that change left (or its current one), from its creation on."""
    start = now - RANGES[range_key]
    status_before, changes = selectors.device_status_timeline(device_id=device.pk, start=start)
    if status_before is None:
        status_before = changes[0][1] if changes else device.status
    begin = max(start, device.created_at)
    bands = []
    current, since = status_before, begin
    for changed_at, _previous, new_status in changes:
        if changed_at > since:
            bands.append(_band(since, changed_at, current))
        current, since = new_status, max(changed_at, since)
    if now > since:
        bands.append(_band(since, now, current))
    chart = timeline_chart(title=_("Lock status"), bands=bands, start=start, end=now)
    return ChartSet(title=_("Status timeline, last %(range)s") % {"range": range_key}, charts=[chart])


def _band(start: datetime, end: datetime, status: str) -> Band:
    label = LockStatus(status).label if status in LockStatus.values else status
    return Band(start=start, end=end, label=label, colour=STATUS_COLOURS.get(status, GREY))
