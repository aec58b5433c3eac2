"""The fast output path any viewset switches on: answer `.values()` rows, not serializer output.

A viewset that declares `row_fields` answers list and retrieve with plain dicts from one query
(`queryset.values(*row_fields)`), rendered by the orjson renderer: no serializer fields are built
and no per-field `to_representation` runs. The serializer classes still document the schema and
serve the browsable API's forms, so the rows must carry the same keys and values: the renderer
writes datetimes and UUIDs as DRF's fields do (with `TIME_ZONE = "UTC"`), but a decimal as a
number where DRF's DecimalField answers a string, so a model with decimals keeps serializers.

A detail read of the model's own row by primary key (a queryset with no filter, annotation, join
or slice, `rows()` not overridden, every row field a column) is one SQL statement built once per
model (`config.db.rows.pk_row`) instead of an ORM query compiled per request; any other queryset
(a scoped one included) keeps the compiled query.

The browsable API's detail page keeps the serializer path (its form is pre-filled from its data).
Use it where every field is a column (or a joined column, through `rows()`); keep serializers
where the output is computed per object or object-level permissions apply (rows are not objects).

Where serializers stay (decimals as strings, nested objects), `PlannedSerializer` keeps them fast:
its declared fields are turned once per class into a plan (name, getter, field conversion), so an
object's output is one pass over the plan with the fields' own `to_representation`, without DRF's
per-object field machinery, and the same dict DRF would build.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Manager, QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from config.db.rows import pk_row

Step = tuple[str, Callable[[Any], Any], Callable[[Any], Any] | None]
# Fields whose to_representation gives back a column's value unchanged (int(n), str(s)).
_IDENTITY_FIELDS = (serializers.IntegerField, serializers.CharField)


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

    def is_plain_key_read(self, queryset: QuerySet) -> bool:
        """Whether a detail read is the model's row by primary key and nothing more (see above)."""
        query, meta = queryset.query, queryset.model._meta
        if type(self).rows is not RowOutputMixin.rows or self.lookup_field not in ("pk", meta.pk.name):
            return False
        if query.where or query.annotations or query.extra or query.distinct or query.select_related:
            return False
        if query.is_sliced or query.combinator or query.select_for_update:
            return False
        fields = {field.name: field for field in meta.concrete_fields}
        return all(name in fields for name in self.row_fields)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not self.uses_rows(request, detail=True):
            return super().retrieve(request, *args, **kwargs)
        raw = self.lookup_raw()
        value = self.parse_lookup(raw)
        queryset = self.get_queryset()
        if self.is_plain_key_read(queryset):
            row = pk_row(queryset.model, self.row_fields, value, using=queryset.db)
            found = [row] if row is not None else []
        else:
            # A key read: no ORDER BY to compile or run.
            found = list(self.rows(queryset.filter(**{self.lookup_field: value}).order_by())[:1])
        if not found:
            raise self.missing(raw, value)
        return Response(found[0])


def _step(field: serializers.Field) -> Step:
    """How one bound output field reads and converts an object's attribute."""
    if field.source == "*":
        raise ImproperlyConfigured(f"PlannedSerializer field {field.field_name!r}: source '*' has no plan")
    # A dotted source keeps DRF's own lookup (defaults, a missing link in the chain).
    get = attrgetter(field.source_attrs[0]) if len(field.source_attrs) == 1 else field.get_attribute
    if isinstance(field, serializers.ListSerializer):
        child = field.child.to_representation

        def convert(value: Any) -> list:
            return [child(item) for item in (value.all() if isinstance(value, Manager) else value)]

        return field.field_name, get, convert
    if type(field) in _IDENTITY_FIELDS:
        return field.field_name, get, None
    return field.field_name, get, field.to_representation


# An output serializer whose declared fields are planned once per class (module docstring).
# Supports fields reading an attribute (`source` a name or dotted path) and nested planned
# serializers (`many=True` too); a `None` attribute answers null, as DRF does. No docstring on
# purpose: drf-spectacular describes every subclass without one by its nearest docstring.
class PlannedSerializer(serializers.Serializer):
    @classmethod
    def output_plan(cls) -> tuple[Step, ...]:
        plan = cls.__dict__.get("_output_plan")
        if plan is None:
            plan = tuple(_step(field) for field in cls().fields.values() if not field.write_only)
            cls._output_plan = plan
        return plan

    def to_representation(self, instance: Any) -> dict[str, Any]:
        data = {}
        for name, get, convert in self.output_plan():
            value = get(instance)
            data[name] = convert(value) if convert is not None and value is not None else value
        return data


class BlankAsNullCharField(serializers.CharField):
    """Text stored as "" for "none", answered as null."""

    def to_representation(self, value: Any) -> str | None:
        return str(value) or None
