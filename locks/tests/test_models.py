from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from config.choices import ChangeSource
from locks.models import Device, DeviceLog
from locks.tests.factories import DeviceFactory

pytestmark = pytest.mark.django_db


def test_new_device_starts_at_version_zero_and_reads_as_its_name():
    device = DeviceFactory(name="Main Door Lock")
    assert device.version_id == 0
    assert str(device) == "Main Door Lock"


def test_status_outside_the_allowed_set_is_refused_by_the_database(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(status="open-ish")


def test_negative_version_is_refused_by_the_database(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        Device.objects.filter(pk=device.pk).update(version_id=-1)


def test_constraints_give_readable_messages_on_validation():
    device = DeviceFactory.build(status="open-ish", version_id=-1)
    with pytest.raises(ValidationError) as caught:
        device.validate_constraints()
    text = str(caught.value)
    assert "The version can't be negative." in text
    assert "Status must be one of: locked, unlocked, jammed, unknown." in text


def test_a_device_version_can_be_logged_only_once(device):
    DeviceLog.objects.create(device=device, previous_status="locked", new_status="unlocked", version_id=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceLog.objects.create(device=device, previous_status="locked", new_status="unlocked", version_id=1)


def test_log_source_and_version_are_constrained(device):
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceLog.objects.create(device=device, previous_status="locked", new_status="locked", version_id=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        DeviceLog.objects.create(
            device=device, previous_status="locked", new_status="locked", version_id=1, source="email"
        )


def test_ordering_is_deterministic():
    b2 = DeviceFactory(name="B")
    a = DeviceFactory(name="A")
    b1 = DeviceFactory(name="B")
    expected_b = sorted([b1, b2], key=lambda d: d.pk)
    assert list(Device.objects.all()) == [a, *expected_b]


def test_log_str_names_the_transition(device):
    log = DeviceLog.objects.create(
        device=device, previous_status="locked", new_status="unlocked", version_id=1, source=ChangeSource.API
    )
    assert str(log) == f"{device.pk} v1: locked → unlocked"
    assert list(DeviceLog.objects.all()) == [log]
