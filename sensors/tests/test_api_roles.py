"""Role coverage: everyone reads; Operator records readings; Supervisor manages units and sensors,
edits readings and validates/archives; Management deletes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.roles import Role
from config.testing import AUTHENTICATED, APIViewTestCases, make_user
from sensors.models import Sensor, SensorData, Unit
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory


class _SpecShapes:
    update_method = "put"
    delete_status = 200


class TestUnitAPIRoles(_SpecShapes, APIViewTestCases.ReadWrite):
    basename = "unit"
    model = Unit
    roles = {
        "list": Role.OPERATOR,
        "retrieve": Role.OPERATOR,
        "create": Role.SUPERVISOR,
        "update": Role.SUPERVISOR,
        "destroy": Role.MANAGEMENT,
    }

    def make_object(self) -> Unit:
        return UnitFactory()

    def create_data(self) -> dict:
        return {"name": "Warehouse B - Storage Area", "location": "Building 3, Ground Floor"}

    def update_data(self, obj: Unit) -> dict:
        return {"name": "Renamed"}


class TestSensorAPIRoles(_SpecShapes, APIViewTestCases.ReadWrite):
    basename = "sensor"
    model = Sensor
    roles = TestUnitAPIRoles.roles

    def make_object(self) -> Sensor:
        return SensorFactory()

    def create_data(self) -> dict:
        return {"name": "Hum 1", "sensor_type": "humidity", "unit_id": UnitFactory().pk}

    def update_data(self, obj: Sensor) -> dict:
        return {"status": "maintenance"}


class TestSensorDataAPIRoles(_SpecShapes, APIViewTestCases.ReadWrite):
    basename = "sensordata"
    model = SensorData
    roles = {
        "list": Role.OPERATOR,
        "retrieve": Role.OPERATOR,
        "create": Role.OPERATOR,
        "update": Role.SUPERVISOR,
        "destroy": Role.MANAGEMENT,
    }

    def make_object(self) -> SensorData:
        return SensorDataFactory()

    def create_data(self) -> dict:
        return {"sensor_id": SensorFactory().pk, "value": 20.5, "unit": "celsius"}

    def update_data(self, obj: SensorData) -> dict:
        return {"value": 99.0}


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["validate", "archive"])
@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        (AUTHENTICATED, False),
        (Role.OPERATOR, False),
        (Role.SUPERVISOR, True),
        (Role.MANAGEMENT, True),
    ],
)
def test_workflow_needs_the_custom_permission(auth_client, action, role, allowed):
    reading = SensorDataFactory(status="pending")
    response = auth_client(make_user(role)).put(reverse(f"sensordata-{action}", args=[reading.pk]))
    assert response.status_code == (200 if allowed else 403)
    reading.refresh_from_db()
    done = {"validate": "validated", "archive": "archived"}[action]
    assert reading.status == (done if allowed else "pending")


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["validate", "archive"])
def test_workflow_needs_authentication(api_client, action):
    reading = SensorDataFactory()
    assert api_client.put(reverse(f"sensordata-{action}", args=[reading.pk])).status_code == 401


@pytest.mark.django_db
def test_statistics_is_open_to_every_role_not_to_a_role_less_account(auth_client, api_client):
    unit = UnitFactory()
    url = reverse("unit-statistics", args=[unit.pk])
    assert api_client.get(url).status_code == 401
    assert auth_client(make_user(Role.OPERATOR)).get(url).status_code == 200
    assert auth_client(make_user(AUTHENTICATED)).get(url).status_code == 403


@pytest.mark.django_db
def test_the_custom_permissions_are_granted_through_the_role_groups():
    supervisor, operator = make_user(Role.SUPERVISOR), make_user(Role.OPERATOR)
    assert supervisor.has_perms(["sensors.validate_sensordata", "sensors.archive_sensordata"])
    assert not operator.has_perm("sensors.validate_sensordata")
    assert operator.has_perm("sensors.add_sensordata")
