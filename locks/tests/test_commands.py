"""`device_set_status` through call_command: the change goes through the service and its log, each
run at the version it reads, and a stale version, unknown device or unknown status changes nothing."""

from __future__ import annotations

import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from locks.models import Device, DeviceLog

pytestmark = pytest.mark.django_db


def test_command_changes_status_through_the_service(device):
    out = StringIO()
    call_command("device_set_status", str(device.pk), "unlocked", "--note", "night shift", stdout=out)
    log = DeviceLog.objects.get()
    assert (log.source, log.actor_id, log.note, log.version_id) == ("command", None, "night shift", 1)
    assert "locked -> unlocked (version 1)" in out.getvalue()


def test_command_refuses_a_stale_version_and_unknown_device(device):
    with pytest.raises(CommandError, match="Version conflict"):
        call_command("device_set_status", str(device.pk), "unlocked", "--expected-version", "3")
    with pytest.raises(CommandError, match="Device not found"):
        call_command("device_set_status", str(uuid.uuid4()), "unlocked")
    assert not DeviceLog.objects.exists()


def test_command_reads_the_current_version_when_none_is_given(device):
    call_command("device_set_status", str(device.pk), "unlocked", stdout=StringIO())
    call_command("device_set_status", str(device.pk), "locked", stdout=StringIO())
    assert list(DeviceLog.objects.order_by("version_id").values_list("new_status", "version_id")) == [
        ("unlocked", 1),
        ("locked", 2),
    ]
    assert Device.objects.get(pk=device.pk).version_id == 2


def test_command_refuses_an_unknown_status_before_touching_anything(device):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("device_set_status", str(device.pk), "open")
    assert not DeviceLog.objects.exists()
