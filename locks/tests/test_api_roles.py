"""Role coverage of the device endpoints through the shared API test cases."""

from __future__ import annotations

from config.testing import APIViewTestCases
from locks.models import Device, DeviceLog
from locks.permissions import LockPermissions
from locks.tests.factories import DeviceFactory


class TestDeviceAPIRoles(APIViewTestCases.ReadWrite):
    basename = "device"
    model = Device
    roles = {
        "list": LockPermissions.VIEW_DEVICE.role,
        "retrieve": LockPermissions.VIEW_DEVICE.role,
        "create": LockPermissions.ADD_DEVICE.role,
        "update": LockPermissions.CHANGE_DEVICE.role,
        "destroy": LockPermissions.DELETE_DEVICE.role,
    }

    def make_object(self) -> Device:
        return DeviceFactory()

    def create_data(self) -> dict:
        return {"name": "Loading Bay Gate", "type": "gate-lock", "location": "Dock 2"}

    def update_data(self, obj: Device) -> dict:
        return {"name": "Renamed", "expected_version_id": obj.version_id}


class TestDeviceStatusChangeRoles(APIViewTestCases.Action):
    """POST /device/{id}/update: the status change, logged in DeviceLog with the actor."""

    basename = "device"
    model = Device
    action_name = "update"
    roles = {"update": LockPermissions.CHANGE_DEVICE_STATUS.role}

    def make_object(self) -> Device:
        return DeviceFactory(status="unlocked")

    def action_data(self, obj: Device) -> dict:
        return {"new_status": "locked", "expected_version_id": obj.version_id, "changed_by": "guard"}

    def history_entry(self, pk, action: str, actor) -> bool:
        return DeviceLog.objects.filter(
            device_id=pk, previous_status="unlocked", new_status="locked", actor=actor, note="guard"
        ).exists()
