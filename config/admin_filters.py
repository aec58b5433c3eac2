"""A date filter for the admin's logs and telemetry: Django's quick choices (today, past 7 days, this
month, this year) plus a from/to pair of dates, both inclusive, in the viewer's time zone. The
inputs are the browser's own date pickers (no script: the admin runs under a strict CSP)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import build_q_object_from_lookup_parameters
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone


class DateRangeFilter(admin.DateFieldListFilter):
    """Use as `list_filter = [("changed_at", DateRangeFilter)]`; it reads `changed_at__from`/`__to`."""

    template = "admin/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path) -> None:
        self.range_from = f"{field_path}__from"
        self.range_to = f"{field_path}__to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.hidden_params: list[tuple[str, str]] = []

    def expected_parameters(self) -> list[str]:
        return [*super().expected_parameters(), self.range_from, self.range_to]

    def value_of(self, name: str) -> str:
        value = self.used_parameters.get(name) or [""]
        return value[-1] if isinstance(value, list) else value

    @property
    def from_value(self) -> str:
        return self.value_of(self.range_from)

    @property
    def to_value(self) -> str:
        return self.value_of(self.range_to)

    def _bound(self, value: str, *, end: bool) -> datetime.date | datetime.datetime | None:
        if not value:
            return None
        day = datetime.date.fromisoformat(value)
        if end:
            day += datetime.timedelta(days=1)
        if isinstance(self.field, models.DateTimeField):
            return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
        return day

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        ranged = (self.range_from, self.range_to)
        plain = {k: v for k, v in self.used_parameters.items() if k not in ranged}
        try:
            start = self._bound(self.from_value, end=False)
            end = self._bound(self.to_value, end=True)
            queryset = queryset.filter(build_q_object_from_lookup_parameters(plain))
        except (ValueError, OverflowError, ValidationError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        if start is not None:
            queryset = queryset.filter(**{f"{self.field_path}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{self.field_path}__lt": end})
        return queryset

    def choices(self, changelist: Any) -> Iterator[dict[str, Any]]:
        # The form resubmits every other parameter of the list (search, other filters, order).
        own = {f"{self.field_path}__{suffix}" for suffix in ("gte", "lt", "isnull", "from", "to")}
        self.hidden_params = [(k, v) for k, v in changelist.params.items() if k not in own]
        yield from super().choices(changelist)
