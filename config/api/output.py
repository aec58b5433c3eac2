"""The fast output path any viewset switches on: answer `.values()` rows, not serializer output.

A viewset that declares `row_fields` answers list and retrieve with plain dicts from one query
(`queryset.values(*row_fields)`), rendered by the orjson renderer: no serializer fields are built
and no per-field `to_representation` runs. The serializer classes still document the schema and
serve the browsable API's forms, so the rows must carry the same keys and values: the renderer
writes datetimes and UUIDs as DRF's fields do (with `TIME_ZONE = "UTC"`), but a decimal as a
number where DRF's DecimalField answers a string, so a model with decimals keeps serializers.

The browsable API's detail page keeps the serializer path (its form is pre-filled from its data).
Use it where every field is a column (or a joined column, through `rows()`); keep serializers
where the output is computed per object or object-level permissions apply (rows are not objects).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework.request import Request
from rest_framework.response import Response


class RowOutputMixin:
    """`row_fields`: the columns list and retrieve answer; empty keeps DRF's serializer path."""

    row_fields: tuple[str, ...] = ()

    def uses_rows(self, request: Request, *, detail: bool) -> bool:
        """Rows, except for one object in the browsable API: its edit form is pre-filled from the
        serializer's data, which a row does not carry."""
        if not self.row_fields:
            return False
        return not detail or getattr(request.accepted_renderer, "format", None) == "json"

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The queryset as the dicts the API answers (override to join columns in)."""
        return queryset.values(*self.row_fields)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.uses_rows(request, detail=False):
            return super().list(request, *args, **kwargs)
        queryset = self.filter_queryset(self.get_queryset())
        if self.paginator is None:
            return Response(list(self.rows(queryset)))
        # The paginator counts `queryset` and reads the page through `rows`.
        page = self.paginator.paginate_queryset(queryset, request, view=self, rows=self.rows)
        return self.get_paginated_response(page)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.uses_rows(request, detail=True):
            return super().retrieve(request, *args, **kwargs)
        raw = self.lookup_raw()
        value = self.parse_lookup(raw)
        # A key read: no ORDER BY to compile or run.
        found = list(self.rows(self.get_queryset().filter(**{self.lookup_field: value}).order_by())[:1])
        if not found:
            raise self.missing(raw, value)
        return Response(found[0])
