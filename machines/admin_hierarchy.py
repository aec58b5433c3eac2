"""The telemetry change list's date hierarchy drawn from the hourly rollup (issue 18).

Django's hierarchy takes MIN/MAX and the DISTINCT years/months over the whole readings table on
every unfiltered view; the rollup holds one row per machine and hour, so the same links come from
a table thousands of times smaller. Off PostgreSQL, with an empty rollup or with a filter the
rollup cannot apply, Django's own hierarchy answers.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.admin.options import IS_POPUP_VAR, TO_FIELD_VAR
from django.contrib.admin.templatetags.admin_list import date_hierarchy
from django.contrib.admin.views.main import IS_FACETS_VAR, ORDER_VAR, ChangeList
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone

from machines.models import SensorRollup

FIELD = "timestamp"
ROLLUP_FIELD = "hour"
MACHINE_PARAM = "machine__id__exact"
_LEVELS = ("year", "month", "day")
_PASSIVE = {ORDER_VAR, IS_POPUP_VAR, TO_FIELD_VAR, IS_FACETS_VAR}


class _RollupChangeList:
    """What `date_hierarchy` reads of a change list, over the rollup's `hour` instead of the
    readings' `timestamp`; its links are renamed back, so they filter the readings."""

    model = SensorRollup
    date_hierarchy = ROLLUP_FIELD

    def __init__(self, cl: ChangeList, queryset: QuerySet) -> None:
        self.cl = cl
        self.queryset = queryset
        self.params = {
            f"{ROLLUP_FIELD}__{level}": cl.params[f"{FIELD}__{level}"]
            for level in _LEVELS
            if f"{FIELD}__{level}" in cl.params
        }

    def get_query_string(self, new_params: dict | None = None, remove: list[str] | None = None) -> str:
        def rename(key: str) -> str:
            return FIELD + key.removeprefix(ROLLUP_FIELD) if key.startswith(f"{ROLLUP_FIELD}__") else key

        return self.cl.get_query_string(
            {rename(k): v for k, v in (new_params or {}).items()}, [rename(k) for k in remove or []]
        )


def _whole_hour_zone() -> bool:
    """A UTC hour lies inside one local day only where the offset is whole hours (not +05:30)."""
    offset = timezone.localtime().utcoffset() or timedelta(0)
    return offset % timedelta(hours=1) == timedelta(0)


def rollup_queryset(cl: ChangeList) -> QuerySet | None:
    """The rollup rows standing for the change list's readings, or None when the rollup can't
    (not PostgreSQL, a search or a filter other than the machine's, an empty rollup)."""
    if connection.vendor != "postgresql" or cl.query or not _whole_hour_zone():
        return None
    hierarchy = {f"{FIELD}__{level}" for level in _LEVELS}
    if any(key not in hierarchy | _PASSIVE | {MACHINE_PARAM} for key in cl.params):
        return None
    has_values = Q(temperature_count__gt=0) | Q(pressure_count__gt=0) | Q(speed_count__gt=0)
    queryset = SensorRollup.objects.filter(has_values).order_by()
    if MACHINE_PARAM in cl.params:
        queryset = queryset.filter(machine_id=cl.params[MACHINE_PARAM])
    # The same drill-down the readings got, in the same (current) time zone.
    dates = {
        f"{ROLLUP_FIELD}__{level}": cl.params[f"{FIELD}__{level}"]
        for level in _LEVELS
        if f"{FIELD}__{level}" in cl.params
    }
    try:
        queryset = queryset.filter(**dates)
        return queryset if queryset.exists() else None
    except (ValidationError, ValueError):
        return None


def telemetry_date_hierarchy(cl: ChangeList) -> dict | None:
    """Django's date-hierarchy context for the telemetry list, from the rollup when it can."""
    queryset = rollup_queryset(cl)
    if queryset is None:
        return date_hierarchy(cl)
    return date_hierarchy(_RollupChangeList(cl, queryset))
