"""Role coverage: everyone reads; Operator records readings; Supervisor manages units and sensors,
edits readings and validates/archives; Management deletes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.roles import Role
from config.testing import AUTHENTICATED, APIViewTestCases, make_user
from sensors.models import Sensor, SensorData, Unit
from sensors.permissions import SensorPermissions
from sensors.serializers import SensorDataSerializer
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory


class _SpecShapes:
    update_method = "put"
    delete_status = 200


class TestUnitAPIRoles(_SpecShapes, APIViewTestCases.ReadWrite):
    basename = "unit"
    model = Unit
    roles = {
        "list": SensorPermissions.VIEW_UNIT.role,
        "retrieve": SensorPermissions.VIEW_UNIT.role,
        "create": SensorPermissions.ADD_UNIT.role,
        "update": SensorPermissions.CHANGE_UNIT.role,
        "destroy": SensorPermissions.DELETE_UNIT.role,
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
    roles = {
        **TestUnitAPIRoles.roles,
        "create": SensorPermissions.ADD_SENSOR.role,
        "update": SensorPermissions.CHANGE_SENSOR.role,
        "destroy": SensorPermissions.DELETE_SENSOR.role,
    }

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
        "list": SensorPermissions.VIEW_SENSORDATA.role,
        "retrieve": SensorPermissions.VIEW_SENSORDATA.role,
        "create": SensorPermissions.ADD_SENSORDATA.role,
        "update": SensorPermissions.CHANGE_SENSORDATA.role,
        "destroy": SensorPermissions.DELETE_SENSORDATA.role,
    }

    def make_object(self) -> SensorData:
        return SensorDataFactory()

    def create_data(self) -> dict:
        return {"sensor_id": SensorFactory().pk, "value": 20.5, "unit": "celsius"}

    def update_data(self, obj: SensorData) -> dict:
        return {"value": 99.0}


class _ReadingTransition(APIViewTestCases.Action):
    """A workflow step on a pending reading: PUT, answered with the reading as stored."""

    basename = "sensordata"
    model = SensorData
    action_method = "put"
    action_serializer = SensorDataSerializer

    def make_object(self) -> SensorData:
        return SensorDataFactory(status="pending")


class TestValidateRoles(_ReadingTransition):
    action_name = "validate"
    roles = {"validate": SensorPermissions.VALIDATE_SENSORDATA.role}

    def history_entry(self, pk, action: str, actor) -> bool:
        return SensorData.objects.filter(
            pk=pk, status="validated", validated_by=actor, validated_at__isnull=False
        ).exists()


class TestArchiveRoles(_ReadingTransition):
    action_name = "archive"
    roles = {"archive": SensorPermissions.ARCHIVE_SENSORDATA.role}

    def history_entry(self, pk, action: str, actor) -> bool:
        return SensorData.objects.filter(
            pk=pk, status="archived", archived_by=actor, archived_at__isnull=False
        ).exists()


class TestInvalidateRoles(_ReadingTransition):
    """Marking invalid records no actor (the model keeps none for it): status and answer only."""

    action_name = "invalidate"
    roles = {"invalidate": SensorPermissions.INVALIDATE_SENSORDATA.role}


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
    assert supervisor.has_perms([SensorPermissions.VALIDATE_SENSORDATA, SensorPermissions.ARCHIVE_SENSORDATA])
    assert not operator.has_perm(SensorPermissions.VALIDATE_SENSORDATA)
    assert operator.has_perm(SensorPermissions.ADD_SENSORDATA)
