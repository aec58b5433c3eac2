"""POST /api/sensor-data/ with `Idempotency-Key` (issue 20): a reading cut off by a reset and retried
is stored once. Per caller; a replay answers the original reading with the original 201 and
`Idempotent-Replayed: true`; the same key with another body is a 422 and stores nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.roles import Role
from config.testing import run_threads
from sensors.models import ReadingIdempotencyKey, SensorData
from sensors.tests.factories import SensorFactory
from staff.tests.factories import UserFactory

URL = reverse("sensordata-list")


@pytest.fixture
def sensor(db):
    return SensorFactory()


def post(client, body: dict, key: str | None = "k-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(URL, body, format="json", **headers)


def test_a_retried_reading_is_stored_once_and_replayed_with_its_201(operator_client, sensor):
    body = {"sensor_id": sensor.pk, "value": 21.5, "unit": "celsius"}
    first = post(operator_client, body)
    second = post(operator_client, body)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert SensorData.objects.count() == 1


def test_the_same_key_with_another_body_is_422_and_stores_nothing(operator_client, sensor):
    assert post(operator_client, {"sensor_id": sensor.pk, "value": 1}).status_code == 201
    response = post(operator_client, {"sensor_id": sensor.pk, "value": 2})
    assert response.status_code == 422
    assert "Idempotency-Key" in response.json()["detail"]
    assert SensorData.objects.count() == 1


def test_keys_are_scoped_per_caller(auth_client, operator, sensor):
    other = UserFactory(username="op2", role=Role.OPERATOR)
    body = {"sensor_id": sensor.pk, "value": 3}
    assert post(auth_client(operator), body).status_code == 201
    response = post(auth_client(other), body)
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert SensorData.objects.count() == 2


def test_without_a_key_every_post_is_a_new_reading(operator_client, sensor):
    body = {"sensor_id": sensor.pk, "value": 4}
    assert post(operator_client, body, key=None).status_code == 201
    assert post(operator_client, body, key=None).status_code == 201
    assert SensorData.objects.count() == 2


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_an_empty_or_overlong_key_is_400(operator_client, sensor, key):
    response = post(operator_client, {"sensor_id": sensor.pk, "value": 5}, key=key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert not SensorData.objects.exists()


def test_an_invalid_body_with_a_key_is_400_and_claims_nothing(operator_client, sensor):
    assert post(operator_client, {"sensor_id": sensor.pk, "value": "warm"}).status_code == 400
    assert not ReadingIdempotencyKey.objects.exists()
    assert post(operator_client, {"sensor_id": sensor.pk, "value": 6}).status_code == 201


def test_an_unknown_sensor_with_a_key_is_404_and_claims_nothing(operator_client, db):
    assert post(operator_client, {"sensor_id": 999999, "value": 1}).status_code == 404
    assert not ReadingIdempotencyKey.objects.exists()


def test_an_expired_key_names_a_new_reading(operator_client, sensor, settings):
    body = {"sensor_id": sensor.pk, "value": 7}
    assert post(operator_client, body).status_code == 201
    ReadingIdempotencyKey.objects.update(
        created_at=timezone.now() - timedelta(seconds=settings.SENSORS_IDEMPOTENCY_KEY_WINDOW + 1)
    )
    response = post(operator_client, body)
    assert response.status_code == 201
    assert not response.has_header("Idempotent-Replayed")
    assert SensorData.objects.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_store_one_reading(auth_client):
    from sensors.tests.factories import SensorFactory

    sensor = SensorFactory()
    user = UserFactory(username="burst", role=Role.OPERATOR)
    body = {"sensor_id": sensor.pk, "value": 8.5}

    def attempt(_: int):
        response = post(auth_client(user), body, key="burst-1")
        return response.status_code, response.json()["id"]

    results = run_threads(8, attempt)
    assert {status for status, _ in results} == {201}
    assert len({reading_id for _, reading_id in results}) == 1
    assert SensorData.objects.filter(sensor=sensor).count() == 1
