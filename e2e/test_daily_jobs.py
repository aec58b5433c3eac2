"""Each role's daily job in the admin, end to end in a real browser (screenshots: test-artifacts/browser)."""

from __future__ import annotations

import pytest

from config.roles import Role
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def test_management_assigns_a_role_and_the_person_can_then_log_in_to_the_admin(page):
    manager = UserFactory(username="mgr", role=Role.MANAGEMENT, is_staff=True)
    newcomer = UserFactory(username="newcomer", is_staff=False)
    page.login(manager.username, TEST_PASSWORD)

    page.get(f"/admin/staff/user/{newcomer.pk}/change/")
    page.select("#id_role", value=Role.OPERATOR)
    page.shot("role-chosen")
    page.submit()
    page.find(".messagelist")
    page.shot("saved")
    newcomer.refresh_from_db()
    assert newcomer.role == Role.OPERATOR
    assert newcomer.is_staff

    page.logout()
    page.login(newcomer.username, TEST_PASSWORD)
    page.shot("newcomer-admin-index")
    assert "newcomer" in page.find("#user-tools").text.lower()


def test_a_person_without_a_role_cannot_log_in_to_the_admin(page):
    UserFactory(username="norole", is_staff=False)
    page.get("/admin/login/?next=/admin/")
    page.fill("#id_username", "norole")
    page.fill("#id_password", TEST_PASSWORD)
    page.navigate("input[type=submit], button[type=submit]")
    page.find(".errornote")
    page.shot("refused")
    assert not page.find_all("#user-tools")


def test_a_stale_device_edit_is_refused_with_its_message_shown(page):
    from locks import services
    from locks.choices import LockStatus
    from locks.models import Device
    from locks.tests.factories import DeviceFactory

    supervisor = UserFactory(username="sup", role=Role.SUPERVISOR, is_staff=True)
    device = DeviceFactory(name="Front door", status=LockStatus.LOCKED)
    page.login(supervisor.username, TEST_PASSWORD)
    page.get(f"/admin/locks/device/{device.pk}/change/")
    page.select("#id_status", value=LockStatus.UNLOCKED)
    page.shot("editing")

    # Someone else changes the device through the API's service while the form is open.
    seen_version = device.version_id
    services.device_change_status(
        device_id=device.pk, new_status=LockStatus.JAMMED, expected_version=seen_version, actor=None
    )
    page.submit()
    message = page.find(".messagelist .error").text
    page.shot("refused")
    assert "someone else changed this device" in message
    device = Device.objects.get(pk=device.pk)
    assert device.status == LockStatus.JAMMED
    assert device.version_id == seen_version + 1


def test_an_operator_unlocks_a_device_from_the_list(page):
    from locks.choices import LockStatus
    from locks.models import Device, DeviceLog
    from locks.tests.factories import DeviceFactory

    operator = UserFactory(username="op", role=Role.OPERATOR, is_staff=True)
    device = DeviceFactory(name="Back door", status=LockStatus.LOCKED)
    page.login(operator.username, TEST_PASSWORD)
    page.get("/admin/locks/device/")
    page.click(f"input.action-select[value='{device.pk}']")
    page.select("select[name=action]", value="unlock_devices")
    page.navigate("button[name=index], input[name=index]")
    page.find(".messagelist")
    page.shot("unlocked")
    assert Device.objects.get(pk=device.pk).status == LockStatus.UNLOCKED
    log = DeviceLog.objects.get(device=device)
    assert (log.actor_id, log.new_status) == (operator.pk, LockStatus.UNLOCKED)


def test_a_supervisor_validates_a_reading_from_the_list(page):
    from sensors.choices import DataStatus
    from sensors.models import SensorData
    from sensors.tests.factories import SensorDataFactory

    supervisor = UserFactory(username="sup", role=Role.SUPERVISOR, is_staff=True)
    reading, other = SensorDataFactory(), SensorDataFactory()
    page.login(supervisor.username, TEST_PASSWORD)
    page.get("/admin/sensors/sensordata/?status__exact=pending")
    page.click(f"input.action-select[value='{reading.pk}']")
    page.select("select[name=action]", value="validate_readings")
    page.shot("chosen")
    page.navigate("button[name=index], input[name=index]")
    page.find(".messagelist")
    page.shot("validated")
    assert SensorData.objects.get(pk=reading.pk).status == DataStatus.VALIDATED
    assert SensorData.objects.get(pk=other.pk).status == DataStatus.PENDING
