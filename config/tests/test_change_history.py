"""The one change history (config.history): every door (API, admin form, admin action, command)
records who, when, which object and each field before -> after, and the admin's History page shows it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from config import history
from config.choices import ChangeSource
from config.models import ChangeRecord
from locks.models import Device
from locks.tests.factories import DeviceFactory
from machines import services as machine_services
from machines.models import SystemConfig
from sensors.models import SensorData, Unit
from sensors.tests.factories import SensorDataFactory, UnitFactory
from staff.auth.services import user_register
from staff.models import User

pytestmark = pytest.mark.django_db


def records_of(instance) -> list[ChangeRecord]:
    return list(history.history_of(type(instance), instance.pk))


def history_page(client, instance) -> str:
    opts = instance._meta
    response = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[instance.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_an_api_change_is_on_the_history_page_with_before_and_after(operator_client, operator, admin_client):
    device = DeviceFactory(status="locked")
    response = operator_client.post(
        reverse("device-update", args=[device.pk]),
        {"new_status": "unlocked", "expected_version_id": 0, "changed_by": "night shift"},
        format="json",
    )
    assert response.status_code == 200
    [record] = records_of(device)
    assert (record.actor_id, record.actor_name, record.source) == (operator.pk, operator.username, "api")
    assert (record.action, record.object_repr) == ("change_status", device.name)
    assert record.changes == {"status": ["locked", "unlocked"], "version_id": [0, 1]}

    page = history_page(admin_client, device)
    assert operator.username in page
    assert "<td>API</td>" in page
    assert "<code>locked</code> &rarr; <code>unlocked</code>" in page


def test_an_api_edit_of_a_unit_records_only_what_changed(superuser_client, superuser):
    unit = UnitFactory(location="Building 1")
    response = superuser_client.put(f"/api/units/{unit.pk}", {"location": "Building 9"}, format="json")
    assert response.status_code == 200
    [record] = records_of(unit)
    assert (record.action, record.source, record.actor_id) == ("update", "api", superuser.pk)
    assert record.changes == {"location": ["Building 1", "Building 9"]}


def test_an_admin_form_save_is_recorded_as_admin_once(admin_client, admin_user):
    unit = UnitFactory(name="Boiler room", location="B1")
    url = reverse("admin:sensors_unit_change", args=[unit.pk])
    form = {"name": "Boiler room", "location": "B2", "description": ""}
    inline = {"sensors-TOTAL_FORMS": "0", "sensors-INITIAL_FORMS": "0"}
    response = admin_client.post(url, {**form, **inline})
    assert response.status_code == 302, response.content.decode()[:2000]
    [record] = records_of(unit)
    assert (record.source, record.actor_id, record.changes) == (
        "admin",
        admin_user.pk,
        {"location": ["B1", "B2"]},
    )
    # Django's own LogEntry is still written (the index's "Recent actions") but, coming after the
    # object's first record, is not repeated on the History page.
    assert LogEntry.objects.filter(object_id=str(unit.pk)).count() == 1
    page = history_page(admin_client, unit)
    assert page.count('class="change-record"') == 1


def test_an_admin_action_is_recorded_as_admin(admin_client, admin_user):
    reading = SensorDataFactory(status="pending")
    response = admin_client.post(
        reverse("admin:sensors_sensordata_changelist"),
        {"action": "validate_readings", "_selected_action": [str(reading.pk)]},
    )
    assert response.status_code == 302
    [record] = records_of(reading)
    assert (record.action, record.source, record.actor_id) == ("validate", "admin", admin_user.pk)
    assert record.changes == {"status": ["pending", "validated"]}
    assert "<code>pending</code> &rarr; <code>validated</code>" in history_page(admin_client, reading)


def test_a_command_change_is_recorded_as_command_without_an_actor(admin_client):
    device = DeviceFactory(status="locked")
    call_command("device_set_status", str(device.pk), "unlocked", stdout=StringIO())
    [record] = records_of(device)
    assert (record.source, record.actor_id, record.actor_name) == ("command", None, "")
    assert "system" in history_page(admin_client, device)


def test_create_update_and_delete_each_leave_a_record(manager):
    setting = machine_services.systemsetting_set(name="shift_note", value="a", actor=manager).setting
    machine_services.systemsetting_set(name="shift_note", value="b", actor=manager)
    machine_services.systemsetting_delete(setting=SystemConfig.objects.get(name="shift_note"), actor=manager)
    rows = list(history.history_of(SystemConfig, setting.pk))
    assert [(r.action, r.changes) for r in rows] == [
        ("create", {"value": [None, "a"]}),
        ("update", {"value": ["a", "b"]}),
        ("delete", {"name": ["shift_note", None], "value": ["b", None]}),
    ]


def test_an_order_transition_and_its_stock_moves_are_recorded(supervisor, supervisor_client):
    from maintenance import services as maintenance_services
    from maintenance.models import ServiceOrder, SparePart
    from maintenance.tests.factories import SparePartFactory

    part = SparePartFactory(stock=5)
    items = [{"spare_part_id": part.pk, "quantity": 2}]
    order = maintenance_services.order_create(request_id=77, items=items, actor=supervisor).order
    response = supervisor_client.post(
        reverse("maintenance-order-transition", args=[order.pk]), {"status": "cancelled"}, format="json"
    )
    assert response.status_code == 200, response.content
    order_rows = list(history.history_of(ServiceOrder, order.pk))
    assert [r.action for r in order_rows] == ["create", "update"]
    assert order_rows[1].changes == {"status": ["pending", "cancelled"]}
    assert order_rows[1].source == "api"
    stock = [r.changes["stock"] for r in history.history_of(SparePart, part.pk)]
    assert stock == [[5, 3], [3, 5]]


def test_sensitive_values_are_never_recorded():
    user = user_register(username="newbie", email="n@example.com", password="S3cret-pass!", actor=None)
    [record] = records_of(user)
    assert "S3cret" not in str(record.changes)
    assert "password" not in record.changes
    assert history.safe_changes({"password": ["old-hash", "new-hash"], "api_token": ["a", "b"]}) == {
        "password": [history.HIDDEN, history.HIDDEN],
        "api_token": [history.HIDDEN, history.HIDDEN],
    }


def test_a_role_change_is_recorded(manager):
    from staff.records.services import user_set_role

    user = User.objects.create_user(username="w1", email="w1@example.com", password="x")
    user_set_role(user=user, role="Supervisor", actor=manager)
    [record] = records_of(user)
    assert record.action == "set_role"
    assert record.changes == {"role": [None, "Supervisor"], "is_staff": [False, True]}


def test_the_source_is_the_transports_and_a_command_without_one():
    assert history.current_source() == ChangeSource.COMMAND
    with history.changes_from(ChangeSource.ADMIN):
        assert history.current_source() == ChangeSource.ADMIN
    assert history.current_source() == ChangeSource.COMMAND
    assert history.source_for_path("/admin/sensors/unit/1/change/") == "admin"
    assert history.source_for_path("/api/units/1") == "api"


def test_legacy_log_entries_show_before_the_first_record(admin_client, admin_user):
    unit = UnitFactory()
    LogEntry.objects.create(
        user=admin_user,
        content_type=ContentType.objects.get_for_model(Unit),
        object_id=str(unit.pk),
        object_repr=str(unit),
        action_flag=CHANGE,
        change_message='[{"changed": {"fields": ["Location"]}}]',
        action_time=timezone.now() - timedelta(days=30),
    )
    page = history_page(admin_client, unit)
    assert "Changed Location." in page
    from sensors import services as sensor_services

    sensor_services.unit_update(unit=unit, name="Renamed", actor=admin_user)
    page = history_page(admin_client, unit)
    assert "Changed Location." in page and "Renamed" in page
    assert page.index("Changed Location.") < page.index("<code>Renamed</code>")


def test_the_history_page_needs_the_view_permission(admin_client_as, reader):
    reader.is_staff = True
    reader.save(update_fields=["is_staff"])
    reading = SensorDataFactory()
    url = reverse("admin:sensors_sensordata_history", args=[reading.pk])
    assert admin_client_as(reader).get(url).status_code == 403


def test_a_bulk_archive_records_each_reading():
    old = SensorDataFactory.create_batch(
        3, status="validated", timestamp=timezone.now() - timedelta(days=100)
    )
    call_command("archive_sensor_data", "--older-than", "90d", "--quiet", stdout=StringIO())
    for reading in old:
        [record] = records_of(reading)
        assert (record.action, record.source, record.changes) == (
            "archive",
            "command",
            {"status": ["validated", "archived"]},
        )
    assert SensorData.objects.filter(status="archived").count() == 3


def test_a_device_delete_is_recorded_with_what_was_deleted(operator):
    from locks import services as lock_services

    device = DeviceFactory(name="Gate 7")
    pk = device.pk
    lock_services.device_delete(device=device, actor=operator)
    assert not Device.objects.filter(pk=pk).exists()
    [record] = history.history_of(Device, pk)
    assert record.action == "delete" and record.changes["name"] == ["Gate 7", None]


def test_every_record_is_listed_read_only_for_a_superuser(admin_client, admin_client_as, operator):
    device = DeviceFactory(name="Back door")
    from locks import services as lock_services

    lock_services.device_update(device=device, expected_version=0, location="Dock 2", actor=operator)
    url = reverse("admin:platform_changerecord_changelist")
    response = admin_client.get(url, {"source__exact": "command"})
    assert response.status_code == 200
    assert "Back door" in response.content.decode()
    record = ChangeRecord.objects.get(object_id=str(device.pk))
    change_url = reverse("admin:platform_changerecord_change", args=[record.pk])
    assert admin_client.post(change_url).status_code == 403
    operator.is_staff = True  # in the admin, but no permission on the records
    operator.save(update_fields=["is_staff"])
    assert admin_client_as(operator).get(url).status_code == 403
