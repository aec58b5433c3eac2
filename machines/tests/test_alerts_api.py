"""GET /api/v1/alerts and POST /api/v1/alerts/{id}/acknowledge: roles, filters, envelopes, errors."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from machines.choices import AlertBound, AlertMetric, AlertSeverity
from machines.models import Alert
from machines.tests.factories import MachineFactory

LIST = reverse("machines-alerts")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def ack_url(alert_id: object) -> str:
    return reverse("machines-alert-acknowledge", kwargs={"alert_id": alert_id})


def make_alert(machine, *, minutes: int = 0, closed: bool = False, **fields) -> Alert:
    seen = T0 + timedelta(minutes=minutes)
    values = {
        "metric": AlertMetric.TEMPERATURE,
        "bound": AlertBound.MAX,
        "severity": AlertSeverity.WARNING,
        "threshold": 80.0,
        "last_value": 85.0,
        "peak_value": 86.0,
        "first_seen": seen,
        "last_seen": seen,
        "count": 2,
        "closed_at": seen + timedelta(minutes=1) if closed else None,
        **fields,
    }
    return Alert.objects.create(machine=machine, **values)


@pytest.fixture
def alerts(machine):
    other = MachineFactory(name="Press-9")
    return {
        "old_closed": make_alert(machine, minutes=0, closed=True),
        "open_warning": make_alert(machine, minutes=5, metric=AlertMetric.PRESSURE, threshold=150.0),
        "open_critical": make_alert(other, minutes=3, severity=AlertSeverity.CRITICAL),
        "new_closed": make_alert(other, minutes=9, closed=True, bound=AlertBound.MIN, threshold=0.0),
    }


def ids(response) -> list[int]:
    return [row["alert_id"] for row in response.json()["alerts"]]


def test_every_role_lists_open_first_then_latest_breach(operator_client, alerts, machine):
    response = operator_client.get(LIST)
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "success"
    order = ["open_warning", "open_critical", "new_closed", "old_closed"]
    assert ids(response) == [alerts[name].pk for name in order]
    assert data["count"] == 4
    assert data["pagination"] == {"total_records": 4, "limit": 100, "offset": 0, "has_more": False}
    first = data["alerts"][0]
    assert first == {
        "alert_id": alerts["open_warning"].pk,
        "machine_id": str(machine.pk),
        "machine_name": machine.name,
        "metric": "pressure",
        "bound": "max",
        "severity": "warning",
        "status": "open",
        "threshold": 150.0,
        "last_value": 85.0,
        "peak_value": 86.0,
        "first_seen": "2026-03-01T10:05:00Z",
        "last_seen": "2026-03-01T10:05:00Z",
        "count": 2,
        "acknowledged": False,
        "acknowledged_by": None,
        "acknowledged_at": None,
        "closed_at": None,
    }
    assert data["alerts"][3]["closed_at"] == "2026-03-01T10:01:00Z"
    assert data["alerts"][3]["status"] == "closed"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "open"}, ["open_warning", "open_critical"]),
        ({"status": "closed"}, ["new_closed", "old_closed"]),
        ({"severity": "critical"}, ["open_critical"]),
        ({"metric": "pressure"}, ["open_warning"]),
        ({"status": "closed", "severity": "warning"}, ["new_closed", "old_closed"]),
    ],
)
def test_filters(operator_client, alerts, query, expected):
    assert ids(operator_client.get(LIST, query)) == [alerts[name].pk for name in expected]


def test_machine_filter_and_paging(operator_client, alerts, machine):
    response = operator_client.get(LIST, {"machine_id": str(machine.pk), "limit": 1})
    assert ids(response) == [alerts["open_warning"].pk]
    assert response.json()["pagination"] == {"total_records": 2, "limit": 1, "offset": 0, "has_more": True}
    assert ids(operator_client.get(LIST, {"machine_id": str(uuid.uuid4())})) == []


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ({"status": "gone"}, "status"),
        ({"severity": "fatal"}, "severity"),
        ({"metric": "speed"}, "metric"),
        ({"machine_id": "not-a-uuid"}, "machine_id"),
        ({"limit": "0"}, "limit"),
        ({"limit": "+5"}, "limit"),
        ({"offset": "-1"}, "offset"),
    ],
)
def test_bad_parameters_are_a_400_naming_them(operator_client, db, query, parameter):
    response = operator_client.get(LIST, query)
    assert response.status_code == 400
    data = response.json()
    assert (data["status"], data["detail"]) == ("error", "Invalid query parameters")
    assert [error["parameter"] for error in data["errors"]] == [parameter]


def test_a_control_character_is_a_400(operator_client, db):
    assert operator_client.get(LIST, {"machine_id": "a\x00b"}).status_code == 400


def test_every_bad_parameter_at_once(operator_client, db):
    response = operator_client.get(LIST, {"status": "x", "severity": "y", "limit": "z"})
    named = sorted(error["parameter"] for error in response.json()["errors"])
    assert named == ["limit", "severity", "status"]


def test_anonymous_is_401_and_a_role_less_account_403(api_client, reader_client, db):
    assert api_client.get(LIST).status_code == 401
    assert reader_client.get(LIST).status_code == 403


def test_supervisor_acknowledges_once(supervisor_client, supervisor, alerts):
    alert = alerts["open_critical"]
    response = supervisor_client.post(ack_url(alert.pk))
    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["message"]) == ("success", "Alert acknowledged")
    assert data["alert"]["acknowledged"] is True
    assert data["alert"]["acknowledged_by"] == supervisor.get_username()
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor and alert.acknowledged_at is not None
    assert data["alert"]["acknowledged_at"] == alert.acknowledged_at.isoformat().replace("+00:00", "Z")
    again = supervisor_client.post(ack_url(alert.pk))
    assert again.status_code == 409
    assert again.json()["detail"] == "Alert is already acknowledged"
    alert.refresh_from_db()
    assert alert.acknowledged_by == supervisor


def test_a_closed_alert_can_be_acknowledged(manager_client, alerts):
    assert manager_client.post(ack_url(alerts["old_closed"].pk)).status_code == 200


@pytest.mark.parametrize("alert_id", ["999999", "abc", "0", "-1", "99999999999999999999999"])
def test_unknown_or_malformed_id_is_404(supervisor_client, db, alert_id):
    response = supervisor_client.post(ack_url(alert_id))
    assert response.status_code == 404
    assert response.json()["detail"] == "Alert not found"


def test_operator_may_not_acknowledge(operator_client, alerts):
    alert = alerts["open_warning"]
    assert operator_client.post(ack_url(alert.pk)).status_code == 403
    alert.refresh_from_db()
    assert alert.acknowledged_at is None


def test_the_schema_documents_both_operations(api_client, db):
    schema = api_client.get(reverse("schema"), {"format": "json"}).json()
    listed = schema["paths"]["/api/v1/alerts/"]["get"]
    assert {p["name"] for p in listed["parameters"]} >= {"status", "severity", "metric", "machine_id"}
    assert listed["tags"] == ["Machines"]
    acknowledge = schema["paths"]["/api/v1/alerts/{alert_id}/acknowledge/"]["post"]
    assert {"200", "404", "409", "403", "401"} <= set(acknowledge["responses"])
