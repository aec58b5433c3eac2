"""Query-parameter filters that answer 400 for anything the database cannot take or that is silly.

- integers are bounded to what a bigint column holds (PostgreSQL errors past 2**63-1);
- times are converted to UTC: PostgreSQL refuses offsets past ±15:59 (`+16:00` was a 500), and a
  value whose UTC form leaves years 1-9999 is refused;
- booleans are `true`/`false`/`1`/`0`: anything else is a 400, not silently "no filter";
- `?search=` refuses NUL characters and caps the number and length of its terms, since every term
  is one more `LIKE` over the searched columns.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters.fields import IsoDateTimeField
from rest_framework import exceptions
from rest_framework.filters import SearchFilter

MAX_BIGINT = 2**63 - 1


class StrictBooleanField(forms.Field):
    """`true`/`false`/`1`/`0` (any case); empty means "not given"; anything else is an error."""

    widget = forms.TextInput
    default_error_messages = {"invalid": "Must be true or false."}
    _values = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        try:
            return self._values[str(value).strip().lower()]
        except KeyError:
            raise DjangoValidationError(self.error_messages["invalid"], code="invalid") from None


class StrictBooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


class BoundedIntegerFilter(django_filters.NumberFilter):
    """An integer (no decimals) within a bigint column's range; `min_value` defaults to 1 (ids)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, min_value: int = 1, max_value: int = MAX_BIGINT, **kwargs: Any) -> None:
        super().__init__(*args, min_value=min_value, max_value=max_value, **kwargs)


class UTCIsoDateTimeField(IsoDateTimeField):
    default_error_messages = {"out_of_range": "Date and time out of range."}

    def to_python(self, value: Any) -> dt.datetime | None:
        parsed = super().to_python(value)
        if parsed is None:
            return None
        try:
            return parsed.astimezone(dt.UTC)
        except OverflowError:
            raise DjangoValidationError(self.error_messages["out_of_range"], code="out_of_range") from None


class BoundedIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """ISO 8601 with any offset Python accepts, sent to the database in UTC."""

    field_class = UTCIsoDateTimeField


class BoundedSearchFilter(SearchFilter):
    """DRF's SearchFilter with at most `max_terms` distinct terms of at most `max_term_length`."""

    max_terms = 5
    max_term_length = 64

    def get_search_terms(self, request) -> list[str]:
        raw = request.query_params.get(self.search_param, "")
        if "\x00" in raw:
            raise exceptions.ValidationError({self.search_param: ["Null characters are not allowed."]})
        terms = list(dict.fromkeys(super().get_search_terms(request)))
        if len(terms) > self.max_terms:
            raise exceptions.ValidationError({self.search_param: [f"At most {self.max_terms} search terms."]})
        if any(len(term) > self.max_term_length for term in terms):
            raise exceptions.ValidationError(
                {self.search_param: [f"Each search term has at most {self.max_term_length} characters."]}
            )
        return terms
