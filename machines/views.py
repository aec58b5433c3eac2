"""The machines API: thin views over machines.services, answering the envelopes existing gateway
and dashboard clients parse (`{"status": "success", ...}`; errors add `status` and `message`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.throttling import SettingRateThrottle
from config.api.viewsets import ServiceViewSet
from config.errors import DomainError
from machines import filters, selectors, services
from machines.checks import MAX_REPORTED_ERRORS, HistoryParams, IngestBatch, iso, parse_ingest
from machines.choices import Interval, MachineStatus
from machines.exceptions import BatchIngestionFailed, InvalidMachineId, ValidationFailed
from machines.models import Machine
from machines.permissions import MachinePermissions
from machines.serializers import (
    ConfigSerializer,
    ConfigUpdatedSerializer,
    ConfigUpdateSerializer,
    ErrorSerializer,
    HistorySerializer,
    IngestRequestSerializer,
    IngestResultSerializer,
    MachineCreatedSerializer,
    MachineCreateSerializer,
    MachineListSerializer,
    QueryErrorSerializer,
    ValidationErrorSerializer,
    flatten_errors,
)
from machines.services.ingest import gateway_telemetry
from machines.timeseries import Page

ERROR = OpenApiResponse(ErrorSerializer)
INVALID = OpenApiResponse(ValidationErrorSerializer, description="Validation failed")
BAD_QUERY = OpenApiResponse(QueryErrorSerializer, description="Invalid query parameters")
# The machines contract pages by limit/offset (machines.filters checks the same bounds).
PAGE_PARAMETERS = [
    OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
    OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": 10**12, "default": 0}),
]


class MachinesViewSet(ServiceViewSet):
    """Base of the machines endpoints: the clients' `status` envelope; field errors reshaped."""

    envelope = "status"  # the gateway and dashboard clients parse {"status": ...} answers
    action_perms: dict[str, list[str]] = {}

    def shape_error(self, exc: Exception, data: Any, request: Request | None) -> Any:
        """A field error becomes `errors: [{field, error, value}]` (the first 100, all counted in
        `error_count`) under "Validation failed": the clients' field-error shape."""
        if not isinstance(exc, ValidationError | DjangoValidationError) or (
            isinstance(data, dict) and "detail" in data
        ):
            return data
        errors = flatten_errors(data, getattr(request, "data", None) if request is not None else None)
        return {
            "detail": ValidationFailed.default_detail,
            "errors": errors[:MAX_REPORTED_ERRORS],
            "error_count": len(errors),
        }


class IngestThrottle(SettingRateThrottle):
    """Ingest requests per user (THROTTLE_INGEST): one account's gateways cannot hold every
    server thread with back-to-back batches."""

    scope = "ingest"
    rate_setting = "THROTTLE_INGEST"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


class MachineViewSet(MachinesViewSet):
    """The machine registry: list, create, and a machine's history as its retrieve."""

    queryset = Machine.objects.all()  # the lookup's field (a UUID) for DomainLookupMixin
    lookup_url_kwarg = "machine_id"
    action_perms = {
        "list": [MachinePermissions.VIEW_MACHINE],
        "create": [MachinePermissions.ADD_MACHINE],
        "retrieve": [MachinePermissions.VIEW_MACHINE],
    }

    def not_found(self, raw: str) -> DomainError:
        """A malformed id is the spec's 400 (a well-formed unknown one is `machine_get`'s 404)."""
        return InvalidMachineId()

    @extend_schema(
        parameters=[
            OpenApiParameter("location", str),
            OpenApiParameter("status", str, enum=MachineStatus.values),
            OpenApiParameter("sensor_type", str),
            *PAGE_PARAMETERS,
        ],
        responses={200: MachineListSerializer, 400: BAD_QUERY},
        operation_id="machine_list",
    )
    def list(self, request: Request) -> Response:
        """Every machine by name; exact-match filters, combined with AND."""
        params = filters.machine_list_params(request.query_params)
        page = selectors.machine_list(filters=params.filters, limit=params.limit, offset=params.offset)
        return Response(machine_list_envelope(page))

    @extend_schema(
        request=MachineCreateSerializer,
        responses={201: MachineCreatedSerializer, 400: INVALID, 409: ERROR},
        operation_id="machine_create",
    )
    def create(self, request: Request) -> Response:
        """Register a machine (Supervisor and up)."""
        serializer = MachineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        machine = services.machine_create(**serializer.validated_data, actor=request.user)
        return Response(
            {"message": "Machine created successfully", "machine_id": str(machine.pk)},
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("machine_id", OpenApiTypes.UUID, OpenApiParameter.PATH),
            OpenApiParameter("start_time", OpenApiTypes.DATETIME, required=True),
            OpenApiParameter("end_time", OpenApiTypes.DATETIME, description="default: now"),
            OpenApiParameter("interval", str, enum=Interval.values, description="default raw"),
            OpenApiParameter("fields", str, description="all, or a comma list of temperature,pressure,speed"),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 1000}),
            OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": 10**12, "default": 0}),
        ],
        responses={200: HistorySerializer, 400: BAD_QUERY, 404: ERROR, 503: ERROR},
        operation_id="machine_history",
    )
    def retrieve(self, request: Request, machine_id: str) -> Response:
        """A machine's readings (raw) or window means, in ascending time, paged by the store."""
        # The id is checked, then looked up, before any parameter: 400, then 404, then the rest.
        machine = selectors.machine_get(machine_id=self.lookup_value())
        params = filters.history_params(request.query_params)
        page = selectors.telemetry_history(machine=machine, params=params)
        return Response(history_envelope(machine, params, page))


class IngestViewSet(MachinesViewSet):
    """Telemetry from gateways over HTTP (MQTT: machines/subscriber.py), one service for both."""

    action_perms = {"create": [MachinePermissions.INGEST_TELEMETRY]}
    throttle_classes = [IngestThrottle]

    @extend_schema(
        request=IngestRequestSerializer,
        responses={
            201: IngestResultSerializer,
            207: IngestResultSerializer,
            400: INVALID,
            413: ERROR,
            429: ERROR,
            503: ERROR,
        },
        operation_id="telemetry_ingest",
    )
    def create(self, request: Request) -> Response:
        """A gateway's batch of readings: 201 all stored, 207 some machines unknown, 400 none known;
        413 past the per-request caps, 429 past the per-user rate."""
        batch, errors = parse_ingest(request.data, max_readings=settings.INGEST_MAX_READINGS)
        if batch is None:
            raise ValidationFailed(errors=list(errors), error_count=errors.total)
        result = services.telemetry_store(
            readings=gateway_telemetry(batch),
            source=f"gateway {batch.gateway_id}",
            actor=request.user,
            max_hours=settings.INGEST_MAX_HOURS,
        )
        return ingest_response(batch, result)


class SystemConfigViewSet(MachinesViewSet):
    """The system settings (`SystemConfig`): read all, or set one."""

    action_perms = {
        "list": [MachinePermissions.VIEW_SYSTEMCONFIG],
        "update_setting": [MachinePermissions.CHANGE_SYSTEMCONFIG],
    }

    @extend_schema(responses={200: ConfigSerializer, 403: ERROR}, operation_id="config_read")
    def list(self, request: Request) -> Response:
        """Every system setting (Management)."""
        return Response({"config": selectors.systemsetting_all(), "accessed_by": request.user.get_username()})

    @extend_schema(
        request=ConfigUpdateSerializer,
        responses={200: ConfigUpdatedSerializer, 400: INVALID, 403: ERROR},
        operation_id="config_update",
    )
    def update_setting(self, request: Request) -> Response:
        """Create or change one setting; the change is recorded (who, when, old → new)."""
        serializer = ConfigUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.systemsetting_set(
            name=serializer.validated_data["setting_name"],
            value=serializer.validated_data["setting_value"],
            actor=request.user,
        )
        return Response(
            {
                "message": "Configuration updated successfully",
                "updated_setting": {
                    "name": change.name,
                    "old_value": change.old_value,
                    "new_value": change.new_value,
                    "updated_by": request.user.get_username(),
                    "updated_at": iso(change.changed_at),
                },
            }
        )


# --- the clients' envelopes ----------------------------------------------------------------------
def machine_record(machine: selectors.MachineRecord) -> dict[str, Any]:
    return {
        "machine_id": str(machine.machine_id),
        "name": machine.name,
        "location": machine.location,
        "sensor_type": machine.sensor_type,
        "status": machine.status,
    }


def machine_list_envelope(page: selectors.MachinePage) -> dict[str, Any]:
    return {
        "count": len(page.machines),
        "machines": [machine_record(machine) for machine in page.machines],
        "pagination": {
            "total_records": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "has_more": page.offset + len(page.machines) < page.total,
        },
    }


def history_envelope(machine: selectors.MachineRecord, params: HistoryParams, page: Page) -> dict[str, Any]:
    data = [{**row, "timestamp": iso(row["timestamp"])} for row in page.rows]
    return {
        "machine": {
            "machine_id": str(machine.machine_id),
            "name": machine.name,
            "location": machine.location,
            "sensor_type": machine.sensor_type,
        },
        "query": {
            "start_time": iso(params.start),
            "end_time": iso(params.end),
            "interval": params.interval,
            "fields": list(params.fields),
        },
        "data": data,
        "pagination": {
            "total_records": page.total,
            "returned_records": len(data),
            "limit": params.limit,
            "offset": params.offset,
            "has_more": params.offset + len(data) < page.total,
        },
    }


def ingest_response(batch: IngestBatch, result: services.IngestResult) -> Response:
    """201 every machine known, 207 some unknown (named per batch item), 400 none known."""
    details: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for index, item in enumerate(batch.items):
        if item.machine_id in result.unknown:
            details.append({"machine_id": item.raw_machine_id, "readings_count": 0, "status": "failed"})
            errors.append(
                {
                    "field": f"batch[{index}].machine_id",
                    "error": "Machine ID not found in database",
                    "value": item.raw_machine_id,
                }
            )
        else:
            details.append(
                {"machine_id": item.raw_machine_id, "readings_count": len(item.readings), "status": "success"}
            )
    summary = {
        "total_machines": len(batch.items) - len(errors),
        "total_readings": result.stored,
        "processed_at": iso(result.processed_at),
        "gateway_id": batch.gateway_id,
    }
    if not result.stored:
        raise BatchIngestionFailed(errors=errors, summary=summary, details=details)
    body: dict[str, Any] = {
        "status": "partial_success" if errors else "success",
        "message": "Batch ingestion completed",
        "summary": summary,
        "details": details,
    }
    if errors:
        body["message"] = "Batch ingestion partially completed"
        body["errors"] = errors
        return Response(body, status=status.HTTP_207_MULTI_STATUS)
    return Response(body, status=status.HTTP_201_CREATED)
