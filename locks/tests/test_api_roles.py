"""Role coverage of the device endpoints through the shared API test cases."""

from __future__ import annotations

from config.roles import Role
from config.testing import APIViewTestCases
from locks.models import Device
from locks.tests.factories import DeviceFactory


class TestDeviceAPIRoles(APIViewTestCases.ReadWrite):
    basename = "device"
    model = Device
    roles = {
        "list": Role.OPERATOR,
        "retrieve": Role.OPERATOR,
        "create": Role.SUPERVISOR,
        "update": Role.SUPERVISOR,
        "destroy": Role.SUPERVISOR,
    }

    def make_object(self) -> Device:
        return DeviceFactory()

    def create_data(self) -> dict:
        return {"name": "Loading Bay Gate", "type": "gate-lock", "location": "Dock 2"}

    def update_data(self, obj: Device) -> dict:
        return {"name": "Renamed", "expected_version_id": obj.version_id}
