from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from config.api.filters import BoundedSearchFilter, SentFilterBackend
from config.api.viewsets import ServiceModelViewSet
from config.choices import ChangeSource
from locks import selectors, services
from locks.exceptions import DeviceNotFound
from locks.filters import DeviceFilter, DeviceLogFilter
from locks.models import DeviceLog
from locks.permissions import LockPermissions
from locks.serializers import (
    DeviceLogSerializer,
    DeviceMetadataSerializer,
    DeviceSerializer,
    DeviceStatusSerializer,
    DeviceStatusUpdateResultSerializer,
    DeviceStatusUpdateSerializer,
    VersionConflictSerializer,
)

CONFLICT = OpenApiResponse(VersionConflictSerializer, description="expected_version_id is stale")
# The route takes any string (so a malformed id can answer 404); the documented type is a UUID.
DEVICE_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH)


@extend_schema_view(
    retrieve=extend_schema(parameters=[DEVICE_ID]),
    destroy=extend_schema(parameters=[DEVICE_ID]),
    partial_update=extend_schema(parameters=[DEVICE_ID], responses={200: DeviceSerializer, 409: CONFLICT}),
)
class DeviceViewSet(ServiceModelViewSet):
    """Smart locks. Status changes and metadata edits are version-checked (optimistic locking)."""

    queryset = selectors.device_list()
    serializer_class = DeviceSerializer
    row_fields = tuple(DeviceSerializer.Meta.fields)  # every field is a column: the platform's row output
    serializer_classes = {
        "partial_update": DeviceMetadataSerializer,
        "update_status": DeviceStatusUpdateSerializer,
        "logs": DeviceLogSerializer,
    }
    response_serializer_classes = {"partial_update": DeviceSerializer}
    services = services
    entity = "device"
    not_found_error = DeviceNotFound
    filter_backends = [SentFilterBackend, BoundedSearchFilter]
    filterset_class = DeviceFilter
    search_fields = ["name"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    # Every role reads (a role-less account does not: README "Roles"); Django permissions decide.
    action_perms = {
        "list": [LockPermissions.VIEW_DEVICE],
        "retrieve": [LockPermissions.VIEW_DEVICE],
        "device_status": [LockPermissions.VIEW_DEVICE],
        "logs": [LockPermissions.VIEW_DEVICE],
        "update_status": [LockPermissions.CHANGE_DEVICE_STATUS],
        "create": [LockPermissions.ADD_DEVICE],
        "partial_update": [LockPermissions.CHANGE_DEVICE],
        "destroy": [LockPermissions.DELETE_DEVICE],
    }

    @extend_schema(parameters=[DEVICE_ID], responses={200: DeviceStatusSerializer})
    @action(detail=True, methods=["get"], url_path="status", url_name="status")
    def device_status(self, request: Request, pk: str | None = None) -> Response:
        """The hot read: one prepared query for six columns, rendered without a serializer."""
        return Response(selectors.device_status_get(device_id=pk))

    @extend_schema(
        parameters=[DEVICE_ID],
        request=DeviceStatusUpdateSerializer,
        responses={200: DeviceStatusUpdateResultSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="update", url_name="update")
    def update_status(self, request: Request, pk: str | None = None) -> Response:
        """Optimistic locking: succeeds only if the device is still at `expected_version_id`."""
        serializer = self.get_serializer(data=request.data)
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
                "updated_at": log.changed_at,
            }
        )

    @extend_schema(parameters=[DEVICE_ID], responses={200: DeviceLogSerializer(many=True)})
    @action(
        detail=True,
        methods=["get"],
        url_path="logs",
        url_name="logs",
        queryset=DeviceLog.objects.all(),
        filterset_class=DeviceLogFilter,
        filter_backends=[SentFilterBackend],
    )
    def logs(self, request: Request, pk: str | None = None) -> Response:
        """The device's change log, newest version first."""
        page = self.paginate_queryset(self.filter_queryset(selectors.device_logs(device_id=pk)))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
