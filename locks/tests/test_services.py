from __future__ import annotations

import uuid
from io import StringIO

import pytest

from config.choices import ChangeSource
from locks import demo, services
from locks.choices import LockStatus
from locks.exceptions import DeviceNotFound, DeviceVersionConflict, InvalidLockStatus
from locks.models import Device, DeviceLog
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change(device, **overrides):
    kwargs = {
        "device_id": device.pk,
        "new_status": LockStatus.UNLOCKED,
        "expected_version": device.version_id,
        "actor": None,
        "note": "",
        "source": ChangeSource.API,
    }
    kwargs.update(overrides)
    return services.device_change_status(**kwargs)


def test_change_status_bumps_version_and_logs_in_one_go(device):
    user = UserFactory()
    log = change(device, actor=user, note="user_1010")

    device.refresh_from_db()
    assert (device.status, device.version_id) == ("unlocked", 1)
    assert device.updated_at == log.changed_at
    assert DeviceLog.objects.get() == log
    assert (log.previous_status, log.new_status, log.version_id) == ("locked", "unlocked", 1)
    assert (log.actor_id, log.note, log.source) == (user.pk, "user_1010", "api")


def test_successive_changes_chain_previous_status(device):
    change(device, new_status="unlocked", expected_version=0)
    change(device, new_status="jammed", expected_version=1)
    change(device, new_status="locked", expected_version=2)
    chain = list(
        DeviceLog.objects.order_by("version_id").values_list("previous_status", "new_status", "version_id")
    )
    assert chain == [("locked", "unlocked", 1), ("unlocked", "jammed", 2), ("jammed", "locked", 3)]


@pytest.mark.parametrize("stale", [-1, 1, 7])
def test_stale_version_changes_and_logs_nothing(device, stale):
    with pytest.raises(DeviceVersionConflict) as caught:
        change(device, expected_version=stale)
    assert caught.value.detail == "Version conflict"
    assert caught.value.extra == {"current_status": "locked", "current_version_id": 0}
    device.refresh_from_db()
    assert (device.status, device.version_id) == ("locked", 0)
    assert not DeviceLog.objects.exists()


@pytest.mark.parametrize("device_id", [uuid.uuid4(), "not-a-uuid", "", None, 12])
def test_unknown_device_is_not_found_before_any_version_check(device_id):
    with pytest.raises(DeviceNotFound):
        services.device_change_status(
            device_id=device_id, new_status="locked", expected_version=99, actor=None
        )


def test_unknown_status_is_refused(device):
    with pytest.raises(InvalidLockStatus):
        change(device, new_status="ajar")
    assert not DeviceLog.objects.exists()


def test_update_is_guarded_by_the_status_it_read(device, monkeypatch):
    """If the row's status moved under us without a version bump, the UPDATE must not match."""
    real = services._current_state
    calls = []

    def stale_first_read(pk):
        calls.append(pk)
        return ("jammed", 0) if len(calls) == 1 else real(pk)

    monkeypatch.setattr(services, "_current_state", stale_first_read)
    with pytest.raises(DeviceVersionConflict) as caught:
        change(device)
    assert caught.value.extra == {"current_status": "locked", "current_version_id": 0}
    assert not DeviceLog.objects.exists()


def test_update_metadata_is_version_checked_and_bumps_the_version(device):
    updated = services.device_update(device=device.pk, expected_version=0, actor=None, name="Front Door")
    assert (updated.name, updated.version_id, updated.status, updated.location) == (
        "Front Door",
        1,
        "locked",
        "Building A",
    )
    with pytest.raises(DeviceVersionConflict):
        services.device_update(device=device.pk, expected_version=0, actor=None, location="Elsewhere")
    device.refresh_from_db()
    assert (device.location, device.version_id) == ("Building A", 1)
    assert not DeviceLog.objects.exists()


def test_update_metadata_of_unknown_device_is_not_found():
    with pytest.raises(DeviceNotFound):
        services.device_update(device=uuid.uuid4(), expected_version=0, actor=None, name="x")


def test_create_and_delete():
    device = services.device_create(name="Gate", type="gate-lock", location="Yard", actor=None)
    assert (device.status, device.version_id, device.type) == ("locked", 0, "gate-lock")
    change(device)
    services.device_delete(device=device.pk, actor=None)
    assert not Device.objects.exists()
    assert not DeviceLog.objects.exists()
    with pytest.raises(DeviceNotFound):
        services.device_delete(device=device.pk, actor=None)


def test_create_refuses_unknown_status():
    with pytest.raises(InvalidLockStatus):
        services.device_create(name="Gate", status="open", actor=None)


def test_demo_data_is_idempotent():
    demo.load(StringIO())
    main = Device.objects.get(pk="d56e6e42-bf24-4c5b-9085-6a5d4d28e5f1")
    assert (main.name, main.type) == ("Main Door Lock", "smart-lock")
    change(main)
    count = Device.objects.count()
    demo.load(StringIO())
    main.refresh_from_db()
    assert Device.objects.count() == count
    assert main.version_id == 1
