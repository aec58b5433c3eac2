from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import filters, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from locks import services
from locks.choices import ChangeSource
from locks.exceptions import DeviceNotFound
from locks.filters import DeviceFilter, DeviceLogFilter
from locks.models import Device, DeviceLog
from locks.serializers import (
    DetailSerializer,
    DeviceLogSerializer,
    DeviceMetadataSerializer,
    DeviceSerializer,
    DeviceStatusSerializer,
    DeviceStatusUpdateResultSerializer,
    DeviceStatusUpdateSerializer,
    VersionConflictSerializer,
)

_STATUS_FIELDS = ("id", "name", "type", "status", "version_id", "updated_at")
_datetime = serializers.DateTimeField()

NOT_FOUND = OpenApiResponse(DetailSerializer, description="Device not found")
CONFLICT = OpenApiResponse(VersionConflictSerializer, description="expected_version_id is stale")
# The route takes any string (so a malformed id can answer 404); the documented type is a UUID.
DEVICE_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    retrieve=extend_schema(parameters=[DEVICE_ID], responses={200: DeviceSerializer, 404: NOT_FOUND}),
    destroy=extend_schema(parameters=[DEVICE_ID], responses={204: None, 404: NOT_FOUND}),
)
class DeviceViewSet(viewsets.ModelViewSet):
    """Smart locks. Status changes and metadata edits are version-checked (optimistic locking)."""

    queryset = Device.objects.all()
    serializer_class = DeviceSerializer
    filter_backends = [DjangoFilterBackend, filters.SearchFilter]
    filterset_class = DeviceFilter
    search_fields = ["name"]
    # Any string reaches the view, so a malformed id answers 404 "Device not found" like an unknown one.
    lookup_value_regex = "[^/]+"
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Every authenticated user reads; Django permissions decide the writes (roles tune them).
    action_perms = {
        "list": [],
        "retrieve": [],
        "device_status": [],
        "logs": [],
        "update_status": ["locks.change_device_status"],
        "create": ["locks.add_device"],
        "partial_update": ["locks.change_device"],
        "destroy": ["locks.delete_device"],
    }

    def get_object(self) -> Device:
        device = Device.objects.filter(pk=services.device_parse_id(device_id=self.kwargs["pk"])).first()
        if device is None:
            raise DeviceNotFound()
        return device

    def create(self, request: Request, *args, **kwargs) -> Response:
        serializer = DeviceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device = services.device_create(
            name=data["name"],
            device_type=data.get("type", "smart-lock"),
            location=data.get("location", ""),
            status=data.get("status", Device._meta.get_field("status").default),
            actor=request.user,
        )
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[DEVICE_ID],
        request=DeviceMetadataSerializer,
        responses={200: DeviceSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def partial_update(self, request: Request, *args, **kwargs) -> Response:
        serializer = DeviceMetadataSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        device = services.device_update(
            device_id=kwargs["pk"],
            expected_version=data["expected_version_id"],
            actor=request.user,
            name=data.get("name"),
            device_type=data.get("type"),
            location=data.get("location"),
        )
        return Response(DeviceSerializer(device).data)

    def destroy(self, request: Request, *args, **kwargs) -> Response:
        services.device_delete(device_id=kwargs["pk"], actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(parameters=[DEVICE_ID], responses={200: DeviceStatusSerializer, 404: NOT_FOUND})
    @action(detail=True, methods=["get"], url_path="status", url_name="status")
    def device_status(self, request: Request, pk: str | None = None) -> Response:
        """The hot read: one query for six columns, rendered without a serializer."""
        try:
            # get() drops Meta.ordering: a primary-key read needs no ORDER BY to compile or run.
            row = Device.objects.values(*_STATUS_FIELDS).get(pk=services.device_parse_id(device_id=pk))
        except Device.DoesNotExist:
            raise DeviceNotFound() from None
        row["updated_at"] = _datetime.to_representation(row["updated_at"])
        return Response(row)

    @extend_schema(
        parameters=[DEVICE_ID],
        request=DeviceStatusUpdateSerializer,
        responses={200: DeviceStatusUpdateResultSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_status(self, request: Request, pk: str | None = None) -> Response:
        """Optimistic locking: succeeds only if the device is still at `expected_version_id`."""
        serializer = DeviceStatusUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        log = services.device_change_status(
            device_id=pk,
            new_status=data["new_status"],
            expected_version=data["expected_version_id"],
            actor=request.user,
            note=data["changed_by"],
            source=ChangeSource.API,
        )
        return Response(
            {
                "device_id": log.device_id,
                "status": log.new_status,
                "version_id": log.version_id,
                "updated_at": _datetime.to_representation(log.changed_at),
            }
        )

    @extend_schema(parameters=[DEVICE_ID], responses={200: DeviceLogSerializer(many=True), 404: NOT_FOUND})
    @action(
        detail=True,
        methods=["get"],
        url_path="logs",
        url_name="logs",
        queryset=DeviceLog.objects.select_related("actor"),
        serializer_class=DeviceLogSerializer,
        filterset_class=DeviceLogFilter,
        filter_backends=[DjangoFilterBackend],
    )
    def logs(self, request: Request, pk: str | None = None) -> Response:
        """The device's change log, newest version first."""
        device_pk = services.device_parse_id(device_id=pk)
        if not Device.objects.filter(pk=device_pk).exists():
            raise DeviceNotFound()
        logs = self.get_queryset().filter(device_id=device_pk).order_by("-version_id", "-id")
        page = self.paginate_queryset(self.filter_queryset(logs))
        return self.get_paginated_response(DeviceLogSerializer(page, many=True).data)
