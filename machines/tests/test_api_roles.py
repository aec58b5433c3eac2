"""Role coverage of the machines endpoints, in the shape of the other apps' role tests
(config.testing: a user at exactly one role, the role just below it).

The machines API is six endpoints on the clients' own paths (no router basenames), so each is
declared as a row: its request, the lowest role it needs and what a refused request must not
change. Every endpoint: anonymous 401, lowest role allowed, the role below 403 and nothing changed;
the Telemetry gateway group reaches ingest only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from config.roles import Role
from config.testing import AUTHENTICATED, make_user, role_below
from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.permissions import TELEMETRY_GATEWAY_GROUP
from machines.tests.factories import MachineFactory

pytestmark = pytest.mark.django_db


def _state() -> tuple[int, int, int, int]:
    """What a refused request must leave as it was."""
    return (
        Machine.objects.count(),
        SensorReading.objects.count(),
        SystemConfig.objects.count(),
        SystemConfigChange.objects.count(),
    )


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Machine], str]
    lowest: str
    allowed_status: int
    body: Callable[[Machine], dict[str, Any]] = lambda machine: {}

    def send(self, client, machine: Machine):
        if self.method == "get":
            return client.get(self.url(machine), self.body(machine))
        return client.post(self.url(machine), self.body(machine), format="json")


ENDPOINTS = [
    Endpoint("list", "get", lambda m: reverse("machines-list"), Role.OPERATOR, 200),
    Endpoint(
        "history",
        "get",
        lambda m: reverse("machines-history", kwargs={"machine_id": m.pk}),
        Role.OPERATOR,
        200,
        lambda m: {"start_time": "2026-03-01T00:00:00Z", "end_time": "2026-03-02T00:00:00Z"},
    ),
    Endpoint(
        "create",
        "post",
        lambda m: reverse("machines-create"),
        Role.SUPERVISOR,
        201,
        lambda m: {"name": "Role-Press", "location": "Floor 2", "sensor_type": "Pressure"},
    ),
    Endpoint(
        "ingest",
        "post",
        lambda m: reverse("machines-ingest"),
        Role.SUPERVISOR,
        201,
        lambda m: {
            "gateway_id": "gw-roles",
            "timestamp": "2026-03-01T10:00:00Z",
            "batch": [
                {
                    "machine_id": str(m.pk),
                    "sensor_type": "Temperature",
                    "readings": [{"timestamp": "2026-03-01T10:00:00Z", "temperature": 21.5}],
                }
            ],
        },
    ),
    Endpoint("config", "get", lambda m: reverse("machines-config"), Role.MANAGEMENT, 200),
    Endpoint(
        "config_update",
        "post",
        lambda m: reverse("machines-config-update"),
        Role.MANAGEMENT,
        200,
        lambda m: {"setting_name": "role_note", "setting_value": "x"},
    ),
]
BY_NAME = pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[e.name for e in ENDPOINTS])


@BY_NAME
def test_needs_authentication(endpoint, api_client):
    machine = MachineFactory()
    before = _state()
    assert endpoint.send(api_client, machine).status_code == 401
    assert _state() == before


@BY_NAME
def test_allowed_at_lowest_role(endpoint, auth_client):
    machine = MachineFactory()
    response = endpoint.send(auth_client(make_user(endpoint.lowest)), machine)
    assert response.status_code == endpoint.allowed_status, response.content
    assert response.json()["status"] == "success"


@BY_NAME
def test_below_lowest_role_is_403_and_changes_nothing(endpoint, auth_client):
    machine = MachineFactory()
    lower = role_below(endpoint.lowest)
    assert lower is not None  # no machines endpoint is open to every account
    before = _state()
    response = endpoint.send(auth_client(make_user(lower)), machine)
    assert response.status_code == 403
    assert response.json()["status"] == "error"
    assert _state() == before


@BY_NAME
def test_telemetry_gateway_group_reaches_ingest_only(endpoint, auth_client):
    machine = MachineFactory()
    gateway = make_user(AUTHENTICATED)
    gateway.groups.add(Group.objects.get(name=TELEMETRY_GATEWAY_GROUP))
    before = _state()
    response = endpoint.send(auth_client(gateway), machine)
    if endpoint.name == "ingest":
        assert response.status_code == 201, response.content
        assert SensorReading.objects.filter(machine=machine).count() == 1
    else:
        assert response.status_code == 403
        assert _state() == before
