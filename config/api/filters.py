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
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions
from rest_framework.filters import SearchFilter

from config.limits import MAX_BIGINT


class StrictBooleanField(forms.Field):
    """`true`/`false`/`1`/`0` (any case); empty means "not given"; anything else is an error."""

    widget = forms.TextInput
    default_error_messages = {"invalid": _("Must be true or false.")}
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
    default_error_messages = {"out_of_range": _("Date and time out of range.")}

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


MAX_SEARCH_TERMS = 5
MAX_SEARCH_TERM_LENGTH = 64


def search_term_errors(raw: str, terms: list[str]) -> list[str]:
    """Why a `?search=` value is refused (empty when it is fine); `terms` are its distinct terms."""
    if "\x00" in raw:
        return ["Null characters are not allowed."]
    if len(terms) > MAX_SEARCH_TERMS:
        return [f"At most {MAX_SEARCH_TERMS} search terms."]
    if any(len(term) > MAX_SEARCH_TERM_LENGTH for term in terms):
        return [f"Each search term has at most {MAX_SEARCH_TERM_LENGTH} characters."]
    return []


class BoundedSearchFilter(SearchFilter):
    """DRF's SearchFilter with at most 5 distinct terms of at most 64 characters, and no NUL."""

    def get_search_terms(self, request) -> list[str]:
        raw = request.query_params.get(self.search_param, "")
        # NUL first: DRF's own check would answer a bare list instead of {"search": [...]}.
        errors = search_term_errors(raw, [])
        if errors:
            raise exceptions.ValidationError({self.search_param: errors})
        terms = list(dict.fromkeys(super().get_search_terms(request)))
        errors = search_term_errors(raw, terms)
        if errors:
            raise exceptions.ValidationError({self.search_param: errors})
        return terms


class SearchTermsField(forms.CharField):
    def validate(self, value: str) -> None:
        super().validate(value)
        terms = list(dict.fromkeys(t for t in value.replace(",", " ").split() if t))
        errors = search_term_errors(value, terms)
        if errors:
            raise DjangoValidationError(errors, code="invalid")


class SearchTermsFilter(django_filters.CharFilter):
    """Only checks `?search=` in a FilterSet, for views whose `filter_backends` list DRF's plain
    SearchFilter (which does the matching): DjangoFilterBackend runs first and answers the 400."""

    field_class = SearchTermsField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Up to 5 terms (spaces or commas) of up to 64 characters.")
        super().__init__(*args, method=self._no_filter, **kwargs)

    @staticmethod
    def _no_filter(queryset, name: str, value: str):
        return queryset


def filters_sent(filterset_class: type[django_filters.FilterSet], query_params: Any) -> bool:
    """Whether the query string names one of the FilterSet's filters (a parameter starting with a
    filter's name, so a widget's suffixed parameters such as `<name>_min` count too)."""
    names = filterset_class.base_filters.keys()
    return any(param.startswith(name) for param in query_params for name in names)


class SentFilterBackend(DjangoFilterBackend):
    """django-filter's backend, building the FilterSet only when the query names one of its filters.

    A FilterSet deep-copies every filter and builds its form (about a sixth of a reading-list
    request's CPU); with none of its parameters sent it filters and refuses nothing (no filter here is
    required or acts on an empty value), so the queryset is returned as it is."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or not filters_sent(filterset_class, request.query_params):
            return queryset
        return super().filter_queryset(request, queryset, view)
