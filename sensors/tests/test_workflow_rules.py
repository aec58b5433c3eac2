"""Issue 15, finding 13: a low role cannot forge a reading's workflow status.

New readings start pending unless the actor may move a reading to the status asked; archived
readings are read-only; who validated or archived a reading, and when, is recorded; a reading can
be marked invalid through its own action and permission. API and admin alike.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.roles import Role
from sensors import services
from sensors.exceptions import SensorDataConflict
from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory, SensorFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DATA = "/api/sensor-data/"


@pytest.fixture
def sensor():
    return SensorFactory()


# --- API: create ---------------------------------------------------------------------------------
@pytest.mark.parametrize("asked", ["validated", "archived", "invalid"])
def test_an_operator_cannot_create_a_reading_past_pending(auth_client, operator, sensor, asked):
    response = auth_client(operator).post(DATA, {"sensor_id": sensor.pk, "value": 1.5, "status": asked})
    assert response.status_code == 201
    assert response.json()["status"] == "pending"
    reading = SensorData.objects.get()
    assert (reading.status, reading.validated_by, reading.archived_by) == ("pending", None, None)


def test_a_supervisor_may_create_a_validated_or_archived_reading_and_is_recorded(
    auth_client, supervisor, sensor
):
    client = auth_client(supervisor)
    validated = client.post(DATA, {"sensor_id": sensor.pk, "value": 1, "status": "validated"}).json()
    archived = client.post(DATA, {"sensor_id": sensor.pk, "value": 2, "status": "archived"}).json()
    assert (validated["status"], archived["status"]) == ("validated", "archived")
    validated = SensorData.objects.get(pk=validated["id"])
    archived = SensorData.objects.get(pk=archived["id"])
    assert validated.validated_by == supervisor and validated.validated_at is not None
    assert archived.archived_by == supervisor and archived.archived_at is not None


# --- API: archived readings are read-only ----------------------------------------------------------
def test_a_supervisor_cannot_edit_an_archived_reading(auth_client, supervisor):
    reading = SensorDataFactory(status="archived", value=21.5, unit="celsius")
    response = auth_client(supervisor).put(f"{DATA}{reading.pk}", {"value": 99, "unit": "kelvin"})
    assert response.status_code == 409
    assert response.json() == {"detail": f"Sensor data {reading.pk} is archived and cannot be changed"}
    reading.refresh_from_db()
    assert (reading.value, reading.unit) == (21.5, "celsius")


def test_an_edit_racing_an_archive_cannot_land_after_it(supervisor):
    """The edit is a conditional UPDATE: a row archived after it was read is not changed."""
    reading = SensorDataFactory(status="pending", value=1.0)
    stale = SensorData.objects.get(pk=reading.pk)
    services.sensordata_archive(sensordata_id=reading.pk, actor=supervisor)
    with pytest.raises(SensorDataConflict, match="is archived and cannot be changed"):
        services.sensordata_update(sensordata=stale, value=2.0, actor=supervisor)
    reading.refresh_from_db()
    assert (reading.value, reading.status) == (1.0, "archived")


def test_non_archived_readings_stay_editable(auth_client, supervisor):
    for status in ("pending", "validated", "invalid"):
        reading = SensorDataFactory(status=status, value=1.0)
        response = auth_client(supervisor).put(f"{DATA}{reading.pk}", {"value": 3})
        assert response.status_code == 200
        assert response.json()["value"] == 3


# --- API: who and when ------------------------------------------------------------------------------
def test_validate_and_archive_record_who_and_when(auth_client, supervisor, manager):
    reading = SensorDataFactory(status="pending")
    before = timezone.now()
    assert auth_client(supervisor).put(reverse("sensordata-validate", args=[reading.pk])).status_code == 200
    assert auth_client(manager).put(reverse("sensordata-archive", args=[reading.pk])).status_code == 200
    reading.refresh_from_db()
    assert reading.status == "archived"
    assert reading.validated_by == supervisor and reading.validated_at >= before
    assert reading.archived_by == manager and reading.archived_at >= reading.validated_at


def test_the_archive_command_records_when(settings):
    reading = SensorDataFactory(status="validated", timestamp=timezone.now() - timedelta(days=100))
    archived = sum(
        services.sensordata_archive_older_than(before=timezone.now() - timedelta(days=90), actor=None)
    )
    assert archived == 1
    reading.refresh_from_db()
    assert reading.status == "archived" and reading.archived_at is not None and reading.archived_by is None


# --- API: marking a reading invalid ----------------------------------------------------------------
def test_a_supervisor_marks_a_reading_invalid(auth_client, supervisor):
    pending = SensorDataFactory(status="pending")
    validated = SensorDataFactory(status="validated")
    client = auth_client(supervisor)
    for reading in (pending, validated):
        response = client.put(reverse("sensordata-invalidate", args=[reading.pk]))
        assert response.status_code == 200
        assert response.json()["status"] == "invalid"
    again = client.put(reverse("sensordata-invalidate", args=[pending.pk]))
    assert again.status_code == 409
    assert again.json() == {"detail": f"Sensor data {pending.pk} is already invalid"}
    # And back through the existing workflow: invalid -> validated -> archived.
    assert client.put(reverse("sensordata-validate", args=[pending.pk])).json()["status"] == "validated"
    assert client.put(reverse("sensordata-archive", args=[pending.pk])).json()["status"] == "archived"


def test_an_archived_reading_cannot_be_marked_invalid(auth_client, supervisor):
    reading = SensorDataFactory(status="archived")
    response = auth_client(supervisor).put(reverse("sensordata-invalidate", args=[reading.pk]))
    assert response.status_code == 409
    assert response.json() == {"detail": f"Cannot mark archived sensor data {reading.pk} invalid"}


def test_marking_invalid_needs_its_permission(auth_client, operator):
    reading = SensorDataFactory(status="pending")
    assert auth_client(operator).put(reverse("sensordata-invalidate", args=[reading.pk])).status_code == 403
    reading.refresh_from_db()
    assert reading.status == "pending"


# --- admin -----------------------------------------------------------------------------------------
@pytest.fixture
def staff_client(admin_client_as):
    """`staff_client(role)` -> (admin-site client, user) for a staff member holding `role`."""

    def login(role: str):
        user = UserFactory(username=f"admin-{role.lower()}", role=role, is_staff=True)
        return admin_client_as(user), user

    return login


def test_admin_add_form_offers_an_operator_pending_only_and_refuses_a_forged_status(staff_client, sensor):
    client, _ = staff_client(Role.OPERATOR)
    url = reverse("admin:sensors_sensordata_add")
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="pending"' in page.text
    assert 'value="validated"' not in page.text and 'value="archived"' not in page.text
    response = client.post(url, {"sensor": sensor.pk, "value": "1", "unit": "", "status": "archived"})
    assert response.status_code == 200  # the form again, with the error
    assert not SensorData.objects.exists()
    response = client.post(url, {"sensor": sensor.pk, "value": "1", "unit": "", "status": "pending"})
    assert response.status_code == 302
    assert SensorData.objects.get().status == "pending"


def test_admin_add_form_lets_a_supervisor_create_validated_and_records_who(staff_client, sensor):
    client, user = staff_client(Role.SUPERVISOR)
    response = client.post(
        reverse("admin:sensors_sensordata_add"),
        {"sensor": sensor.pk, "value": "1", "unit": "", "status": "validated"},
    )
    assert response.status_code == 302
    reading = SensorData.objects.get()
    assert (reading.status, reading.validated_by) == ("validated", user)


def test_admin_shows_an_archived_reading_read_only(staff_client):
    client, _ = staff_client(Role.SUPERVISOR)
    reading = SensorDataFactory(status="archived", value=21.5)
    url = reverse("admin:sensors_sensordata_change", args=[reading.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="value"' not in page.text
    assert 'name="_save"' not in page.text
    response = client.post(url, {"value": "99", "unit": "kelvin"})
    assert response.status_code == 403
    reading.refresh_from_db()
    assert reading.value == 21.5


def test_admin_change_page_shows_who_validated(staff_client, supervisor):
    client, _ = staff_client(Role.SUPERVISOR)
    reading = SensorDataFactory(status="pending")
    services.sensordata_validate(sensordata_id=reading.pk, actor=supervisor)
    page = client.get(reverse("admin:sensors_sensordata_change", args=[reading.pk]))
    assert "Validated by" in page.text and str(supervisor) in page.text


def test_admin_action_marks_readings_invalid(staff_client):
    client, _ = staff_client(Role.SUPERVISOR)
    pending = SensorDataFactory(status="pending")
    archived = SensorDataFactory(status="archived")
    response = client.post(
        reverse("admin:sensors_sensordata_changelist"),
        {"action": "invalidate_readings", "_selected_action": [str(pending.pk), str(archived.pk)]},
        follow=True,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    archived.refresh_from_db()
    assert (pending.status, archived.status) == ("invalid", "archived")
