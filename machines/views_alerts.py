"""The threshold alerts API: list them (every role) and acknowledge one (Supervisor and up), in the
machines clients' `status` envelope (machines.views.MachinesViewSet)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from machines import filters, selectors, services
from machines.checks import iso
from machines.choices import AlertMetric, AlertSeverity, AlertStatus
from machines.exceptions import AlertNotFound
from machines.models import Alert
from machines.permissions import MachinePermissions
from machines.serializers import AlertAcknowledgedSerializer, AlertListSerializer
from machines.views import BAD_QUERY, ERROR, PAGE_PARAMETERS, MachinesViewSet


class AlertViewSet(MachinesViewSet):
    """Alerts raised by ingest when readings pass the system settings' thresholds."""

    queryset = Alert.objects.all()  # the lookup's field (an integer) for DomainLookupMixin
    lookup_url_kwarg = "alert_id"
    not_found_error = AlertNotFound
    action_perms = {
        "list": [MachinePermissions.VIEW_ALERT],
        "acknowledge": [MachinePermissions.ACKNOWLEDGE_ALERT],
    }

    @extend_schema(
        parameters=[
            OpenApiParameter("status", str, enum=AlertStatus.values),
            OpenApiParameter("severity", str, enum=AlertSeverity.values),
            OpenApiParameter("metric", str, enum=AlertMetric.values),
            OpenApiParameter("machine_id", OpenApiTypes.UUID),
            *PAGE_PARAMETERS,
        ],
        responses={200: AlertListSerializer, 400: BAD_QUERY},
        operation_id="alert_list",
    )
    def list(self, request: Request) -> Response:
        """Alerts, open ones first, the latest breach first; exact-match filters combined with AND."""
        params = filters.alert_list_params(request.query_params)
        page = selectors.alert_list(filters=params.filters, limit=params.limit, offset=params.offset)
        return Response(alert_list_envelope(page))

    @extend_schema(
        request=None,
        responses={200: AlertAcknowledgedSerializer, 404: ERROR, 409: ERROR},
        operation_id="alert_acknowledge",
    )
    def acknowledge(self, request: Request, alert_id: str) -> Response:
        """Mark an alert seen (Supervisor and up); 409 when it already is."""
        alert = services.alert_acknowledge(alert_id=self.lookup_value(), actor=request.user)
        return Response({"message": "Alert acknowledged", "alert": alert_record(alert)})


def alert_record(alert: Alert) -> dict[str, Any]:
    acknowledged_by = alert.acknowledged_by
    return {
        "alert_id": alert.pk,
        "machine_id": str(alert.machine_id),
        "machine_name": alert.machine.name,
        "metric": alert.metric,
        "bound": alert.bound,
        "severity": alert.severity,
        "status": alert.status,
        "threshold": alert.threshold,
        "last_value": alert.last_value,
        "peak_value": alert.peak_value,
        "first_seen": iso(alert.first_seen),
        "last_seen": iso(alert.last_seen),
        "count": alert.count,
        "acknowledged": alert.acknowledged_at is not None,
        "acknowledged_by": acknowledged_by.get_username() if acknowledged_by is not None else None,
        "acknowledged_at": iso(alert.acknowledged_at) if alert.acknowledged_at else None,
        "closed_at": iso(alert.closed_at) if alert.closed_at else None,
    }


def alert_list_envelope(page: selectors.AlertPage) -> dict[str, Any]:
    return {
        "count": len(page.alerts),
        "alerts": [alert_record(alert) for alert in page.alerts],
        "pagination": {
            "total_records": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "has_more": page.offset + len(page.alerts) < page.total,
        },
    }
