"""Real threads against PostgreSQL: of concurrent transitions of one reading exactly one wins."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.testing import run_threads
from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(url_names: list[str], reading: SensorData) -> list[tuple[int, dict]]:
    """Send one PUT per url name at the same moment; (status, body) of each."""
    user = UserFactory(is_superuser=True)
    barrier = threading.Barrier(len(url_names))

    def attempt(index: int) -> tuple[int, dict]:
        client = APIClient()
        client.force_authenticate(user)
        url = reverse(url_names[index], args=[reading.pk])
        barrier.wait(timeout=30)
        response = client.put(url)
        return response.status_code, response.json()

    return run_threads(len(url_names), attempt)


def test_two_concurrent_validates_one_200_one_409():
    reading = SensorDataFactory(status="pending")
    results = race(["sensordata-validate"] * 2, reading)
    assert sorted(code for code, _ in results) == [200, 409]
    [(_, loser)] = [(c, b) for c, b in results if c == 409]
    assert loser == {"detail": f"Sensor data {reading.pk} is already validated"}
    reading.refresh_from_db()
    assert reading.status == "validated"


def test_many_concurrent_validates_exactly_one_wins():
    reading = SensorDataFactory(status="invalid")
    results = race(["sensordata-validate"] * 12, reading)
    assert Counter(code for code, _ in results) == {200: 1, 409: 11}


def test_concurrent_archives_exactly_one_wins():
    reading = SensorDataFactory(status="validated")
    results = race(["sensordata-archive"] * 8, reading)
    assert Counter(code for code, _ in results) == {200: 1, 409: 8 - 1}
    for code, body in results:
        if code == 409:
            assert body == {"detail": f"Sensor data {reading.pk} is already archived"}


def test_validate_racing_archive_ends_archived_and_answers_consistently():
    reading = SensorDataFactory(status="pending")
    results = race(["sensordata-validate", "sensordata-archive"] * 4, reading)
    reading.refresh_from_db()
    assert reading.status == "archived"
    archives = [(c, b) for i, (c, b) in enumerate(results) if i % 2]
    validates = [(c, b) for i, (c, b) in enumerate(results) if not i % 2]
    # Archive moves from anything but archived: exactly one archive wins.
    assert Counter(code for code, _ in archives) == {200: 1, 409: 3}
    # At most one validate wins (only while the reading was still pending); the rest are told why.
    assert sum(code == 200 for code, _ in validates) <= 1
    for code, body in validates:
        if code == 409:
            assert body["detail"] in (
                f"Sensor data {reading.pk} is already validated",
                f"Cannot validate archived sensor data {reading.pk}",
            )
