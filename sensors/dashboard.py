"""The sensors panel of the admin dashboard (config.dashboard): readings waiting for validation."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.dashboard import NORMAL, WARN, Figure, PanelBody, changelist_url, register_panel
from sensors import selectors
from sensors.choices import DataStatus
from sensors.permissions import SensorPermissions


@register_panel(
    "sensors.readings",
    title=gettext_lazy("Sensor readings"),
    permissions=[SensorPermissions.VIEW_SENSORDATA],
    order=20,
)
def readings_pending(*, now: datetime) -> PanelBody:
    """The readings pending validation, opening the reading list filtered by that status."""
    pending = selectors.reading_pending_count()
    return PanelBody(
        figures=[
            Figure(
                key="pending",
                label=_("Pending validation"),
                value=pending,
                url=changelist_url("sensors.sensordata", status__exact=DataStatus.PENDING),
                tone=WARN if pending else NORMAL,
            )
        ]
    )
