"""A device's admin page draws its status timeline from the device log (locks/charts.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from locks import services
from locks.choices import LockStatus
from locks.models import Device, DeviceLog
from locks.tests.factories import DeviceFactory


def staff(user):
    user.is_staff = True  # what assigning a role does; the fixtures skip it
    user.save(update_fields=["is_staff"])
    return user


def page(client, device, query: str = "") -> str:
    response = client.get(f"/admin/locks/device/{device.pk}/change/{query}")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.django_db
def test_one_band_per_status_stretch(admin_client_as, operator):
    device = DeviceFactory(status=LockStatus.LOCKED)
    Device.objects.filter(pk=device.pk).update(created_at=timezone.now() - timedelta(days=3))
    for version, status in enumerate([LockStatus.UNLOCKED, LockStatus.JAMMED, LockStatus.LOCKED]):
        services.device_change_status(
            device_id=device.pk, new_status=status, expected_version=version, actor=operator
        )
    # Spread the changes over the last two days, oldest first.
    for hours, log in zip(
        (48, 24, 2), DeviceLog.objects.filter(device=device).order_by("version_id"), strict=True
    ):
        DeviceLog.objects.filter(pk=log.pk).update(changed_at=timezone.now() - timedelta(hours=hours))
    device.refresh_from_db()
    html = page(admin_client_as(staff(operator)), device)
    assert "Status timeline, last 7d" in html
    # Locked from creation, then unlocked, jammed, locked again: four bands, three statuses.
    assert html.count("<rect") == 4
    assert ">&#9632; Locked<" in html and ">&#9632; Unlocked<" in html and ">&#9632; Jammed<" in html
    day = page(admin_client_as(operator), device, "?chart_range=24h")
    assert day.count("<rect") == 2  # jammed until two hours ago, then locked


@pytest.mark.django_db
def test_a_device_never_changed_shows_its_status(admin_client_as, operator):
    device = DeviceFactory(status=LockStatus.JAMMED)
    html = page(admin_client_as(staff(operator)), device)
    assert html.count("<rect") == 1 and ">&#9632; Jammed<" in html
