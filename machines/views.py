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
from rest_framework.views import APIView

from config.api.exceptions import error_envelope, map_exception
from config.api.throttling import SettingRateThrottle
from machines import services
from machines.choices import Interval, MachineStatus
from machines.exceptions import InvalidQueryParameters, ValidationFailed
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
from machines.validation import MAX_REPORTED_ERRORS, int_param, parse_ingest, text_error

ERROR = OpenApiResponse(ErrorSerializer)
INVALID = OpenApiResponse(ValidationErrorSerializer, description="Validation failed")
BAD_QUERY = OpenApiResponse(QueryErrorSerializer, description="Invalid query parameters")


def envelope_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """The platform's error answer in the clients' envelope (`status: "error"`, `message` = `detail`:
    config.api.exceptions.error_envelope); field errors become `errors: [{field, error, value}]`
    (the first 100, all counted in `error_count`)."""
    response = map_exception(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, ValidationError | DjangoValidationError) and not (
        isinstance(data, dict) and "detail" in data
    ):
        request = context.get("request")
        sent = getattr(request, "data", None) if request is not None else None
        errors = flatten_errors(data, sent)
        data = {
            "detail": ValidationFailed.default_detail,
            "errors": errors[:MAX_REPORTED_ERRORS],
            "error_count": len(errors),
        }
    response.data = error_envelope(data)
    return response


class MachinesAPIView(APIView):
    """Base of the machines endpoints: the envelope error handler; permissions per HTTP method."""

    action_perms: dict[str, list[str]] = {}

    def get_exception_handler(self):
        return envelope_exception_handler


class IngestThrottle(SettingRateThrottle):
    """Ingest requests per user (THROTTLE_INGEST): one account's gateways cannot hold every
    server thread with back-to-back batches."""

    scope = "ingest"
    rate_setting = "THROTTLE_INGEST"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not request.user or not request.user.is_authenticated:
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}


def _query_errors(request: Request) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The machine list's parameters, or every problem with them."""
    params = request.query_params
    errors: list[dict[str, Any]] = []
    values: dict[str, Any] = {}
    for name, default, low, high in (("limit", 100, 1, 1000), ("offset", 0, 0, 10**12)):
        number, problem = int_param(params.get(name), default, low, high)
        if problem:
            errors.append({"parameter": name, "error": problem, "value": params.get(name)})
            continue
        values[name] = number
    status_filter = params.get("status")
    if status_filter is not None and status_filter not in MachineStatus.values:
        errors.append(
            {
                "parameter": "status",
                "error": "Must be one of: " + ", ".join(MachineStatus.values),
                "value": status_filter,
            }
        )
    values["status"] = status_filter
    for name, limit in (("location", 500), ("sensor_type", 100)):
        raw = params.get(name)
        # Exact-match filters: a value no machine can have (NUL, which PostgreSQL refuses) is a 400.
        if raw is not None and (problem := text_error(raw, limit)):
            errors.append({"parameter": name, "error": problem, "value": raw[:100]})
            continue
        values[name] = raw
    return values, errors


class MachineCreateView(MachinesAPIView):
    """Register a machine (Supervisor and up)."""

    action_perms = {"POST": [MachinePermissions.ADD_MACHINE]}

    @extend_schema(
        request=MachineCreateSerializer,
        responses={201: MachineCreatedSerializer, 400: INVALID, 409: ERROR},
        operation_id="machine_create",
    )
    def post(self, request: Request) -> Response:
        serializer = MachineCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        machine = services.machine_create(**serializer.validated_data, actor=request.user)
        return Response(
            {"status": "success", "message": "Machine created successfully", "machine_id": str(machine.pk)},
            status=status.HTTP_201_CREATED,
        )


class MachineListView(MachinesAPIView):
    """Every machine by name; exact-match filters, combined with AND."""

    action_perms = {"GET": [MachinePermissions.VIEW_MACHINE]}

    @extend_schema(
        parameters=[
            OpenApiParameter("location", str),
            OpenApiParameter("status", str, enum=MachineStatus.values),
            OpenApiParameter("sensor_type", str),
            OpenApiParameter("limit", {"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
            OpenApiParameter("offset", {"type": "integer", "minimum": 0, "maximum": 10**12, "default": 0}),
        ],
        responses={200: MachineListSerializer, 400: BAD_QUERY},
        operation_id="machine_list",
    )
    def get(self, request: Request) -> Response:
        values, errors = _query_errors(request)
        if errors:
            raise InvalidQueryParameters(errors=errors)
        return Response(services.machine_list(**values))


class MachineHistoryView(MachinesAPIView):
    """A machine's readings (raw) or window means, in ascending time, paged by the store."""

    action_perms = {"GET": [MachinePermissions.VIEW_MACHINE]}

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
    def get(self, request: Request, machine_id: str) -> Response:
        return Response(services.history_query(machine_id=machine_id, params=request.query_params))


class IngestView(MachinesAPIView):
    """A gateway's batch of readings: 201 all stored, 207 some machines unknown, 400 none known;
    413 past the per-request caps, 429 past the per-user rate."""

    action_perms = {"POST": [MachinePermissions.INGEST_TELEMETRY]}
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
    def post(self, request: Request) -> Response:
        batch, errors = parse_ingest(request.data, max_readings=settings.INGEST_MAX_READINGS)
        if batch is None:
            raise ValidationFailed(errors=list(errors), error_count=errors.total)
        result = services.telemetry_ingest(batch=batch, actor=request.user)
        body: dict[str, Any] = {
            "status": result.status,
            "message": "Batch ingestion completed",
            "summary": result.summary,
            "details": result.details,
        }
        if result.errors:
            body["message"] = "Batch ingestion partially completed"
            body["errors"] = result.errors
            return Response(body, status=status.HTTP_207_MULTI_STATUS)
        return Response(body, status=status.HTTP_201_CREATED)


class ConfigView(MachinesAPIView):
    """Every system setting (Management)."""

    action_perms = {"GET": [MachinePermissions.VIEW_SYSTEMCONFIG]}

    @extend_schema(responses={200: ConfigSerializer, 403: ERROR}, operation_id="config_read")
    def get(self, request: Request) -> Response:
        return Response(
            {"status": "success", "config": services.config_all(), "accessed_by": request.user.get_username()}
        )


class ConfigUpdateView(MachinesAPIView):
    """Create or change one setting; the change is recorded (who, when, old → new)."""

    action_perms = {"POST": [MachinePermissions.CHANGE_SYSTEMCONFIG]}

    @extend_schema(
        request=ConfigUpdateSerializer,
        responses={200: ConfigUpdatedSerializer, 400: INVALID, 403: ERROR},
        operation_id="config_update",
    )
    def post(self, request: Request) -> Response:
        serializer = ConfigUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        change = services.config_set(
            name=serializer.validated_data["setting_name"],
            value=serializer.validated_data["setting_value"],
            actor=request.user,
        )
        return Response(
            {
                "status": "success",
                "message": "Configuration updated successfully",
                "updated_setting": {
                    "name": change.name,
                    "old_value": change.old_value,
                    "new_value": change.new_value,
                    "updated_by": request.user.get_username(),
                    "updated_at": services.iso(change.changed_at),
                },
            }
        )
