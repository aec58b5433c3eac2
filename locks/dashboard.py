"""The locks panel of the admin dashboard (config.dashboard): devices by status."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from config.dashboard import ALERT, NORMAL, WARN, Figure, PanelBody, changelist_url, register_panel
from locks import selectors
from locks.choices import LockStatus
from locks.permissions import LockPermissions

# A jammed lock needs someone now; an unknown one needs a look.
TONES = {LockStatus.JAMMED: ALERT, LockStatus.UNKNOWN: WARN}


@register_panel("locks.devices", title=_("Smart locks"), permissions=[LockPermissions.VIEW_DEVICE], order=10)
def devices_by_status(*, now: datetime) -> PanelBody:
    """One figure per lock status, each opening the device list filtered by it."""
    counts = selectors.device_count_by_status()
    return PanelBody(
        figures=[
            Figure(
                key=status.value,
                label=status.label,
                value=counts[status.value],
                url=changelist_url("locks.device", status__exact=status.value),
                tone=TONES.get(status, NORMAL) if counts[status.value] else NORMAL,
            )
            for status in LockStatus
        ]
    )
