"""Real threads against PostgreSQL: the conditional UPDATE must pick one winner and lose nothing."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.testing import run_threads
from locks.models import Device, DeviceLog
from locks.tests.factories import DeviceFactory
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def auth_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_twenty_clients_with_the_same_version_one_wins():
    # A superuser: transaction tests flush the role groups the data migrations created.
    user = UserFactory(is_superuser=True)
    device = DeviceFactory(status="locked")
    url = reverse("device-update", args=[device.pk])
    barrier = threading.Barrier(20)

    def attempt(index: int) -> tuple[int, dict]:
        client = auth_client(user)
        barrier.wait(timeout=30)
        response = client.post(
            url,
            {"new_status": "unlocked", "expected_version_id": 0, "changed_by": f"client-{index}"},
            format="json",
        )
        return response.status_code, response.json()

    results = run_threads(20, attempt)

    assert Counter(code for code, _ in results) == {200: 1, 409: 19}
    for code, body in results:
        if code == 409:
            assert body == {
                "detail": "Version conflict",
                "current_status": "unlocked",
                "current_version_id": 1,
            }
    device.refresh_from_db()
    assert (device.status, device.version_id) == ("unlocked", 1)
    [log] = DeviceLog.objects.all()
    assert (log.previous_status, log.new_status, log.version_id) == ("locked", "unlocked", 1)
    [winner] = [body for code, body in results if code == 200]
    assert winner["version_id"] == 1


def test_read_then_update_cycles_lose_no_update():
    user = UserFactory(is_superuser=True)
    device = DeviceFactory(status="locked")
    status_url = reverse("device-status", args=[device.pk])
    update_url = reverse("device-update", args=[device.pk])
    workers, cycles = 8, 25
    barrier = threading.Barrier(workers)

    def worker(index: int) -> Counter:
        client = auth_client(user)
        rng = random.Random(index)
        seen = Counter()
        barrier.wait(timeout=30)
        for _ in range(cycles):
            while True:
                current = client.get(status_url).json()
                new_status = rng.choice(["locked", "unlocked", "jammed", "unknown"])
                response = client.post(
                    update_url,
                    {"new_status": new_status, "expected_version_id": current["version_id"]},
                    format="json",
                )
                seen[response.status_code] += 1
                if response.status_code == 200:
                    break
                assert response.status_code == 409, response.content
        return seen

    totals = sum(run_threads(workers, worker), Counter())

    successes = totals[200]
    assert successes == workers * cycles
    assert set(totals) <= {200, 409}
    device.refresh_from_db()
    assert device.version_id == successes
    logs = list(DeviceLog.objects.filter(device=device).order_by("version_id"))
    assert len(logs) == successes
    assert [log.version_id for log in logs] == list(range(1, successes + 1))
    previous = "locked"
    for log in logs:
        assert log.previous_status == previous, f"version {log.version_id} lost the update before it"
        previous = log.new_status
    assert device.status == previous
    assert Device.objects.count() == 1
