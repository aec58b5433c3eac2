"""Units, sensors and readings: declarations over the platform's `ServiceModelViewSet`. Writes go
through `sensors.services`, reads through `sensors.selectors`; list and retrieve answer `.values()`
rows (`row_fields`, config.api.output) and pages count only when needed (config.api.pagination)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config import idempotency
from config.api.filters import SentFilterBackend
from config.api.schema import DetailSerializer, invalid_input
from config.api.viewsets import ServiceModelViewSet
from config.idempotency import REPLAYED_HEADER
from sensors import selectors, services
from sensors.exceptions import InvalidId, SensorDataNotFound, SensorNotFound, UnitNotFound
from sensors.filters import SensorDataFilter, SensorFilter
from sensors.models import SensorData
from sensors.permissions import SensorPermissions
from sensors.serializers import (
    DeletedSerializer,
    SensorDataSerializer,
    SensorDataUpdateSerializer,
    SensorSerializer,
    UnitSerializer,
    UnitStatisticsSerializer,
)

IDEMPOTENCY_KEY = OpenApiParameter(
    idempotency.HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Optional; the same key (per caller) replays the first reading (201, Idempotent-Replayed: "
    "true); with another body → 422.",
)


def _id_param(label: str) -> OpenApiParameter:
    return OpenApiParameter(
        "id", OpenApiTypes.INT, OpenApiParameter.PATH, description=f"{label} id (a positive integer)."
    )


def _errors(label: str) -> dict[int, OpenApiResponse]:
    return {
        400: invalid_input(f'"{label} ID must be positive", or a bad field'),
        404: OpenApiResponse(DetailSerializer, description=f'"{label} with id N not found"'),
    }


def _transition_schema(conflict: str) -> Callable:
    """The schema of a workflow PUT on a reading: no body, the reading, or 409 `conflict`."""
    return extend_schema(
        request=None,
        parameters=[_id_param("Data")],
        responses={
            200: SensorDataSerializer,
            409: OpenApiResponse(DetailSerializer, description=conflict),
            **_errors("Data"),
        },
    )


class SensorsViewSet(ServiceModelViewSet):
    """What the specification asks of all three resources, declared once (no behaviour of its own)."""

    services = services
    partial_put = True  # PUT changes only the fields sent
    http_method_names = ["get", "post", "put", "delete", "head", "options"]
    filter_backends = [SentFilterBackend]
    page_default_limit = page_max_limit = 100  # the specification's `limit` is 1-100
    not_found_names_id = True  # "Unit with id N not found"
    nonpositive_id_error = InvalidId  # "Unit ID must be positive" (400) for an id of zero or below


def _crud_schema(label: str, serializer, update_serializer=None, update_conflict: str = ""):
    conflict = (
        {409: OpenApiResponse(DetailSerializer, description=update_conflict)} if update_conflict else {}
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
class UnitViewSet(SensorsViewSet):
    """Units: places where sensors are installed. Deleting one deletes its sensors and readings."""

    queryset = selectors.unit_list()
    serializer_class = UnitSerializer
    entity = "unit"
    id_label = "Unit"
    not_found_error = UnitNotFound
    deleted_message = "Unit with id {id} deleted successfully"
    row_fields = tuple(UnitSerializer.Meta.fields)
    action_perms = {
        "list": [SensorPermissions.VIEW_UNIT],
        "retrieve": [SensorPermissions.VIEW_UNIT],
        "statistics": [SensorPermissions.VIEW_UNIT],
        "create": [SensorPermissions.ADD_UNIT],
        "update": [SensorPermissions.CHANGE_UNIT],
        "destroy": [SensorPermissions.DELETE_UNIT],
    }

    @extend_schema(
        parameters=[_id_param("Unit")], responses={200: UnitStatisticsSerializer, **_errors("Unit")}
    )
    @action(detail=True, methods=["get"], url_path="statistics", url_name="statistics")
    def statistics(self, request: Request, pk: str | None = None) -> Response:
        """Sensor counts by status and the number and latest time of the unit's readings."""
        return Response(selectors.unit_statistics(unit_id=self.lookup_value()))


@_crud_schema("Sensor", SensorSerializer)
@extend_schema_view(
    create=extend_schema(
        responses={
            201: SensorSerializer,
            404: OpenApiResponse(DetailSerializer, description='"Unit with id N not found"'),
        }
    )
)
class SensorViewSet(SensorsViewSet):
    """Sensors; `?unit_id=` lists one unit's. Deleting one deletes its readings."""

    queryset = selectors.sensor_list()
    serializer_class = SensorSerializer
    filterset_class = SensorFilter
    entity = "sensor"
    id_label = "Sensor"
    not_found_error = SensorNotFound
    deleted_message = "Sensor with id {id} deleted successfully"
    row_fields = tuple(SensorSerializer.Meta.fields)
    action_perms = {
        "list": [SensorPermissions.VIEW_SENSOR],
        "retrieve": [SensorPermissions.VIEW_SENSOR],
        "create": [SensorPermissions.ADD_SENSOR],
        "update": [SensorPermissions.CHANGE_SENSOR],
        "destroy": [SensorPermissions.DELETE_SENSOR],
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
        # Each item is a SensorData; `with_details=true` adds the SensorDataDetails fields to it.
        responses={200: SensorDataSerializer(many=True)},
    ),
    create=extend_schema(
        description="201 with the new reading; with an `Idempotency-Key` (per caller) a repeat answers the\n"
        "original reading with the original 201 and `Idempotent-Replayed: true`, once stored.",
        parameters=[IDEMPOTENCY_KEY],
        responses={
            201: OpenApiResponse(
                SensorDataSerializer, description=f"The new reading, or the original one ({REPLAYED_HEADER})"
            ),
            400: invalid_input("invalid body or Idempotency-Key"),
            404: OpenApiResponse(DetailSerializer, description="unknown sensor"),
            422: OpenApiResponse(DetailSerializer, description="Idempotency-Key reused with another body"),
        },
    ),
)
class SensorDataViewSet(SensorsViewSet):
    """Readings, newest first; `?sensor_id=&status=` filter. The status changes only through
    PUT .../validate, .../invalidate and .../archive (one conditional UPDATE each); an archived
    reading is read-only (PUT → 409)."""

    queryset = selectors.reading_list()
    serializer_class = SensorDataSerializer
    serializer_classes = {"update": SensorDataUpdateSerializer}
    response_serializer_classes = {"update": SensorDataSerializer}
    filterset_class = SensorDataFilter
    entity = "sensordata"
    id_label = "Data"
    not_found_error = SensorDataNotFound
    deleted_message = "Sensor data with id {id} deleted successfully"
    refetch_after_write = False  # the service's returned row carries every field the answer shows
    idempotent_create = "create_once"  # a reading cut off by a reset can be retried (Idempotency-Key)
    row_fields = tuple(SensorDataSerializer.Meta.fields)
    action_perms = {
        "list": [SensorPermissions.VIEW_SENSORDATA],
        "retrieve": [SensorPermissions.VIEW_SENSORDATA],
        "create": [SensorPermissions.ADD_SENSORDATA],
        "update": [SensorPermissions.CHANGE_SENSORDATA],
        "destroy": [SensorPermissions.DELETE_SENSORDATA],
        "validate_reading": [SensorPermissions.VALIDATE_SENSORDATA],
        "archive_reading": [SensorPermissions.ARCHIVE_SENSORDATA],
        "invalidate_reading": [SensorPermissions.INVALIDATE_SENSORDATA],
    }

    def with_details(self) -> bool:
        raw = self.request.query_params.get("with_details", "").lower()
        if raw in ("", "false", "0"):
            return False
        if raw in ("true", "1"):
            return True
        raise exceptions.ValidationError({"with_details": [_("Must be true or false.")]})

    def rows(self, queryset: QuerySet) -> QuerySet:
        # `?with_details=true` joins the sensor's and unit's names into the listed rows.
        details = self.action == "list" and self.with_details()
        return selectors.reading_rows(readings=queryset, fields=self.row_fields, details=details)

    def count_rows(self, queryset: QuerySet) -> int:
        # The filtered total is cached between writes (a 50,000-row COUNT costs more than the page).
        params = self.request.query_params
        key = f"sensor={params.get('sensor_id', '')}:status={params.get('status', '')}"
        return selectors.reading_count(readings=queryset, key=key)

    def _transition(self, service: Callable[..., SensorData], request: Request) -> Response:
        """A workflow PUT: the service decides (one conditional UPDATE); the answer is the reading."""
        reading = service(sensordata_id=self.lookup_value(), actor=request.user)
        return Response(SensorDataSerializer(reading).data)

    @_transition_schema("already validated, or archived")
    @action(detail=True, methods=["put"], url_path="validate", url_name="validate")
    def validate_reading(self, request: Request, pk: str | None = None) -> Response:
        """pending or invalid -> validated; validated or archived -> 409."""
        return self._transition(services.sensordata_validate, request)

    @_transition_schema("already archived")
    @action(detail=True, methods=["put"], url_path="archive", url_name="archive")
    def archive_reading(self, request: Request, pk: str | None = None) -> Response:
        """Any status but archived -> archived; archived -> 409."""
        return self._transition(services.sensordata_archive, request)

    @_transition_schema("already invalid, or archived")
    @action(detail=True, methods=["put"], url_path="invalidate", url_name="invalidate")
    def invalidate_reading(self, request: Request, pk: str | None = None) -> Response:
        """pending or validated -> invalid; invalid or archived -> 409."""
        return self._transition(services.sensordata_invalidate, request)
