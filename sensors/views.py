"""Units, sensors and readings over `ServiceModelViewSet`: writes go through `sensors.services`;
reads render `.values()` rows (one query, no per-row serializer work) with the orjson renderer,
so the hot lists stay a DRF API (browsable, documented) without paying for ModelSerializers."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from django.db.models import F, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.pagination import SkipLimitPagination
from config.api.viewsets import MAX_BIGINT, ServiceModelViewSet
from config.roles import Perm
from sensors import services
from sensors.exceptions import InvalidId, SensorDataNotFound, SensorNotFound, UnitNotFound
from sensors.filters import SensorDataFilter, SensorFilter
from sensors.models import Sensor, SensorData, Unit
from sensors.serializers import (
    DeletedSerializer,
    SensorDataDetailsSerializer,
    SensorDataSerializer,
    SensorDataUpdateSerializer,
    SensorSerializer,
    SensorsErrorSerializer,
    UnitSerializer,
    UnitStatisticsSerializer,
)

_INTEGER = re.compile(r"^[+-]?[0-9]+$")


class SensorsPagination(SkipLimitPagination):
    """The specification's paging (`limit` 1-100, default 100; `skip` >= 0), reading the page first.

    A page shorter than `limit` tells the total by itself (skip + rows), so the COUNT runs only
    when the page is full or lies past the end; and it counts the filtered queryset, not the
    projected one, so a `?with_details=true` join never reaches the COUNT.
    """

    max_limit = 100
    default_limit = 100

    def paginate_queryset(self, queryset, request, view=None, rows: Callable | None = None):
        self.request = request
        self.skip = self._int_param(request, "skip", 0, 0, self.max_skip)
        self.limit = self._int_param(request, "limit", self.default_limit, 1, self.max_limit)
        projected = rows(queryset) if rows is not None else queryset
        page = list(projected[self.skip : self.skip + self.limit])
        if 0 < len(page) < self.limit or (not page and self.skip == 0):
            self.count = self.skip + len(page)
        else:
            count = getattr(view, "count_rows", None)
            self.count = count(queryset) if count is not None else queryset.count()
        return page


def parse_id(raw: str, label: str, not_found: type[UnitNotFound]) -> int:
    """A path id: zero or below -> 400 `"<label> ID must be positive"`; not an integer -> 404."""
    # Longer than any bigint: not a row (and int() of thousands of digits raises, not a 404).
    if len(raw) > 24 or not (raw.isascii() and _INTEGER.match(raw)):
        raise not_found()
    value = int(raw)
    if value <= 0:
        raise InvalidId(label)
    if value > MAX_BIGINT:  # a valid integer that no row can have
        raise not_found(value)
    return value


def _id_param(label: str) -> OpenApiParameter:
    return OpenApiParameter(
        "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=f"{label} id (a positive integer)."
    )


def _errors(label: str) -> dict[int, OpenApiResponse]:
    return {
        400: OpenApiResponse(
            SensorsErrorSerializer, description=f'"{label} ID must be positive", or a bad field'
        ),
        404: OpenApiResponse(SensorsErrorSerializer, description=f'"{label} with id N not found"'),
    }


class _SensorsViewSet(ServiceModelViewSet):
    """What the three endpoints share: ids, paging, `.values()` reads, the delete answer."""

    services = services
    partial_put = True  # PUT changes only the fields sent
    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    pagination_class = SensorsPagination
    filter_backends = [DjangoFilterBackend]
    id_label = ""  # "Unit": in "Unit ID must be positive"
    thing = ""  # "Unit": in "Unit with id N deleted successfully"
    row_fields: tuple[str, ...] = ()

    def parse_lookup(self, raw: str) -> int:
        return parse_id(raw, self.id_label, self.not_found_error)

    def not_found(self, raw: str) -> UnitNotFound:
        # Reached only for a well-formed id (parse_lookup answered the rest): name it.
        return self.not_found_error(int(raw))

    def rows(self, queryset: QuerySet) -> QuerySet:
        """The queryset as the plain dicts the API answers (no serializer per row)."""
        return queryset.values(*self.row_fields)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginator.paginate_queryset(queryset, request, view=self, rows=self.rows)
        return self.get_paginated_response(page)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        pk = self.parse_lookup(str(kwargs.get("pk", "")))
        # A primary-key read: no ORDER BY to compile or run.
        found = list(self.rows(self.get_queryset().filter(pk=pk).order_by())[:1])
        if not found:
            raise self.not_found_error(pk)
        return Response(found[0])

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        deleted_id = self.service("delete")(**{self.entity: self.get_object()}, actor=request.user)
        return Response(
            {"message": f"{self.thing} with id {deleted_id} deleted successfully", "deleted_id": deleted_id}
        )


def _crud_schema(label: str, serializer, update_serializer=None, update_conflict: str = ""):
    conflict = (
        {409: OpenApiResponse(SensorsErrorSerializer, description=update_conflict)} if update_conflict else {}
    )
    return extend_schema_view(
        retrieve=extend_schema(parameters=[_id_param(label)], responses={200: serializer, **_errors(label)}),
        update=extend_schema(
            parameters=[_id_param(label)],
            request=update_serializer or serializer,
            responses={200: serializer, **_errors(label), **conflict},
        ),
        destroy=extend_schema(
            parameters=[_id_param(label)], responses={200: DeletedSerializer, **_errors(label)}
        ),
    )


@_crud_schema("Unit", UnitSerializer)
class UnitViewSet(_SensorsViewSet):
    """Units: places where sensors are installed. Deleting one deletes its sensors and readings."""

    queryset = Unit.objects.all()
    serializer_class = UnitSerializer
    entity = "unit"
    id_label = thing = "Unit"
    not_found_error = UnitNotFound
    row_fields = ("id", "name", "location", "description", "created_at")
    action_perms = {
        "list": [Perm.VIEW_UNIT],
        "retrieve": [Perm.VIEW_UNIT],
        "statistics": [Perm.VIEW_UNIT],
        "create": [Perm.ADD_UNIT],
        "update": [Perm.CHANGE_UNIT],
        "destroy": [Perm.DELETE_UNIT],
    }

    @extend_schema(
        parameters=[_id_param("Unit")], responses={200: UnitStatisticsSerializer, **_errors("Unit")}
    )
    @action(detail=True, methods=["get"], url_path="statistics", url_name="statistics")
    def statistics(self, request: Request, pk: str | None = None) -> Response:
        """Sensor counts by status and the number and latest time of the unit's readings."""
        return Response(services.unit_statistics(unit_id=self.parse_lookup(str(pk))))


@_crud_schema("Sensor", SensorSerializer)
class SensorViewSet(_SensorsViewSet):
    """Sensors; `?unit_id=` lists one unit's. Deleting one deletes its readings."""

    queryset = Sensor.objects.all()
    serializer_class = SensorSerializer
    filterset_class = SensorFilter
    entity = "sensor"
    id_label = thing = "Sensor"
    not_found_error = SensorNotFound
    row_fields = ("id", "name", "sensor_type", "unit_id", "status", "description", "created_at")
    action_perms = {
        "list": [Perm.VIEW_SENSOR],
        "retrieve": [Perm.VIEW_SENSOR],
        "create": [Perm.ADD_SENSOR],
        "update": [Perm.CHANGE_SENSOR],
        "destroy": [Perm.DELETE_SENSOR],
    }


_DETAILS = {
    "sensor_name": F("sensor__name"),
    "sensor_type": F("sensor__sensor_type"),
    "unit_name": F("sensor__unit__name"),
}


@_crud_schema("Data", SensorDataSerializer, SensorDataUpdateSerializer, "archived: read-only")
@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter(
                "with_details",
                OpenApiTypes.BOOL,
                description="Add sensor_name, sensor_type and unit_name to each item (joined, one query).",
            )
        ],
        responses={200: SensorDataDetailsSerializer(many=True)},
    )
)
class SensorDataViewSet(_SensorsViewSet):
    """Readings, newest first; `?sensor_id=&status=` filter. The status changes only through
    PUT .../validate, .../invalidate and .../archive (one conditional UPDATE each); an archived
    reading is read-only (PUT → 409)."""

    queryset = SensorData.objects.all()
    serializer_class = SensorDataSerializer
    serializer_classes = {"update": SensorDataUpdateSerializer}
    response_serializer_classes = {"update": SensorDataSerializer}
    filterset_class = SensorDataFilter
    entity = "sensordata"
    id_label = "Data"
    thing = "Sensor data"
    not_found_error = SensorDataNotFound
    row_fields = ("id", "sensor_id", "value", "unit", "status", "timestamp")
    action_perms = {
        "list": [Perm.VIEW_SENSORDATA],
        "retrieve": [Perm.VIEW_SENSORDATA],
        "create": [Perm.ADD_SENSORDATA],
        "update": [Perm.CHANGE_SENSORDATA],
        "destroy": [Perm.DELETE_SENSORDATA],
        "validate_reading": [Perm.VALIDATE_SENSORDATA],
        "archive_reading": [Perm.ARCHIVE_SENSORDATA],
        "invalidate_reading": [Perm.INVALIDATE_SENSORDATA],
    }

    def with_details(self) -> bool:
        raw = self.request.query_params.get("with_details", "").lower()
        if raw in ("", "false", "0"):
            return False
        if raw in ("true", "1"):
            return True
        raise exceptions.ValidationError({"with_details": ["Must be true or false."]})

    def rows(self, queryset: QuerySet) -> QuerySet:
        if self.action == "list" and self.with_details():
            # INNER JOINs (the foreign keys are NOT NULL) in the same query: never a query per row.
            return queryset.values(*self.row_fields, **_DETAILS)
        return super().rows(queryset)

    def count_rows(self, queryset: QuerySet) -> int:
        """The filtered total, cached between writes (services.sensordata_count)."""
        params = self.request.query_params
        key = f"sensor={params.get('sensor_id', '')}:status={params.get('status', '')}"
        return services.sensordata_count(queryset=queryset, key=key)

    def refetch(self, instance: SensorData) -> SensorData:
        # The created or updated row carries every field the answer shows: no second read.
        return instance

    @extend_schema(
        request=None,
        parameters=[_id_param("Data")],
        responses={
            200: SensorDataSerializer,
            409: OpenApiResponse(SensorsErrorSerializer, description="already validated, or archived"),
            **_errors("Data"),
        },
    )
    @action(detail=True, methods=["put"], url_path="validate", url_name="validate")
    def validate_reading(self, request: Request, pk: str | None = None) -> Response:
        """pending or invalid -> validated; validated or archived -> 409."""
        reading = services.sensordata_validate(sensordata_id=self.parse_lookup(str(pk)), actor=request.user)
        return Response(SensorDataSerializer(reading).data)

    @extend_schema(
        request=None,
        parameters=[_id_param("Data")],
        responses={
            200: SensorDataSerializer,
            409: OpenApiResponse(SensorsErrorSerializer, description="already archived"),
            **_errors("Data"),
        },
    )
    @action(detail=True, methods=["put"], url_path="archive", url_name="archive")
    def archive_reading(self, request: Request, pk: str | None = None) -> Response:
        """Any status but archived -> archived; archived -> 409."""
        reading = services.sensordata_archive(sensordata_id=self.parse_lookup(str(pk)), actor=request.user)
        return Response(SensorDataSerializer(reading).data)

    @extend_schema(
        request=None,
        parameters=[_id_param("Data")],
        responses={
            200: SensorDataSerializer,
            409: OpenApiResponse(SensorsErrorSerializer, description="already invalid, or archived"),
            **_errors("Data"),
        },
    )
    @action(detail=True, methods=["put"], url_path="invalidate", url_name="invalidate")
    def invalidate_reading(self, request: Request, pk: str | None = None) -> Response:
        """pending or validated -> invalid; invalid or archived -> 409."""
        reading = services.sensordata_invalidate(sensordata_id=self.parse_lookup(str(pk)), actor=request.user)
        return Response(SensorDataSerializer(reading).data)
