"""Retention: drop telemetry points older than the configured number of days."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from machines.checks import iso
from machines.exceptions import InvalidSetting
from machines.selectors import systemsetting_get
from machines.services.system_config import RETENTION_DAYS, retention_days_error
from machines.timeseries import get_store

logger = logging.getLogger(__name__)


def telemetry_purge(*, now: datetime | None = None, days: int | None = None) -> tuple[datetime, int | None]:
    """Drop readings older than `data_retention_days` (or `days`); returns the cutoff and the count.

    A retention outside 1..3650 days (passed, or stored before values were checked) raises
    InvalidSetting and deletes nothing: guessing a default could delete what was meant to be kept.
    """
    if days is None:
        raw = systemsetting_get(name="data_retention_days", default="365")
        if problem := retention_days_error(raw):
            raise InvalidSetting(
                _("Invalid value for data_retention_days (%(value)r): %(problem)s")
                % {"value": raw[:20], "problem": problem}
            )
        days = int(raw)
    elif not RETENTION_DAYS[0] <= days <= RETENTION_DAYS[1]:
        raise InvalidSetting(
            _("Retention must be from %(low)s to %(high)s days")
            % {"low": RETENTION_DAYS[0], "high": RETENTION_DAYS[1]}
        )
    cutoff = (now or timezone.now()) - timedelta(days=days)
    deleted = get_store().delete_before(cutoff)
    logger.info("telemetry before %s purged: %s points", iso(cutoff), deleted)
    return cutoff, deleted
