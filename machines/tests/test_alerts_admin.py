"""The alerts' admin: open first, read-only, the acknowledge action for Supervisor and up only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from config.roles import Role
from machines.models import Alert
from machines.tests.factories import MachineFactory
from staff.tests.factories import UserFactory

CHANGELIST = reverse("admin:machines_alert_changelist")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)


def make_alert(machine, minutes: int, closed: bool = False, **fields) -> Alert:
    seen = T0 + timedelta(minutes=minutes)
    values = {
        "metric": "temperature",
        "bound": "max",
        "severity": "warning",
        "threshold": 80.0,
        "last_value": 81.0,
        "peak_value": 81.0,
        "first_seen": seen,
        "last_seen": seen,
        "closed_at": seen if closed else None,
        **fields,
    }
    return Alert.objects.create(machine=machine, **values)


@pytest.fixture
def rows(machine):
    return [
        make_alert(machine, 9, closed=True),
        make_alert(MachineFactory(name="Press-9"), 1, severity="critical"),
        make_alert(machine, 5, metric="pressure"),
    ]


def staff(role: str):
    return UserFactory(role=role, is_staff=True)


def test_open_alerts_are_listed_first(admin_client, rows):
    response = admin_client.get(CHANGELIST)
    assert response.status_code == 200
    shown = [alert.pk for alert in response.context["cl"].result_list]
    assert shown == [rows[2].pk, rows[1].pk, rows[0].pk]
    assert admin_client.get(CHANGELIST, {"status": "closed"}).context["cl"].result_list[0] == rows[0]


def test_an_operator_reads_but_cannot_acknowledge(admin_client_as, rows):
    client = admin_client_as(staff(Role.OPERATOR))
    response = client.get(CHANGELIST)
    assert response.status_code == 200
    assert "acknowledge" not in response.context["cl"].model_admin.get_actions(response.wsgi_request)
    client.post(CHANGELIST, {"action": "acknowledge", "_selected_action": [rows[1].pk]})
    assert not Alert.objects.filter(acknowledged_at__isnull=False).exists()
    assert client.get(reverse("admin:machines_alert_add")).status_code == 403


def test_a_supervisor_acknowledges_through_the_service(admin_client_as, rows):
    supervisor = staff(Role.SUPERVISOR)
    client = admin_client_as(supervisor)
    rows[2].acknowledged_at = T0
    rows[2].save()
    response = client.post(
        CHANGELIST, {"action": "acknowledge", "_selected_action": [rows[1].pk, rows[2].pk]}, follow=True
    )
    assert response.status_code == 200
    texts = [str(message) for message in response.context["messages"]]
    assert texts == ["1 alert acknowledged.", "1 alert was already acknowledged."]
    rows[1].refresh_from_db()
    assert rows[1].acknowledged_by == supervisor
    rows[2].refresh_from_db()
    assert rows[2].acknowledged_by is None  # the earlier acknowledgement stands


def test_an_alert_page_is_read_only(admin_client, rows):
    url = reverse("admin:machines_alert_change", args=[rows[1].pk])
    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"severity": "warning"})
    rows[1].refresh_from_db()
    assert rows[1].severity == "critical"
