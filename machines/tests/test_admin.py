"""The admin through the logged-in test client: every write goes through the services."""

from __future__ import annotations

from django.urls import reverse

from machines.models import Machine, SensorReading, SystemConfig, SystemConfigChange
from machines.tests.factories import MachineFactory


def test_changelists_render(admin_client, machine):
    for name in ("machine", "systemconfig", "systemconfigchange", "sensorreading"):
        response = admin_client.get(reverse(f"admin:machines_{name}_changelist"))
        assert response.status_code == 200, name
    assert machine.name in admin_client.get(reverse("admin:machines_machine_changelist")).content.decode()


def test_create_machine_through_the_service(admin_client):
    response = admin_client.post(
        reverse("admin:machines_machine_add"),
        {"name": "Admin-Press", "location": "Floor 9", "sensor_type": "Pressure", "status": "active"},
    )
    assert response.status_code == 302, response.content
    assert Machine.objects.get(name="Admin-Press").location == "Floor 9"


def test_duplicate_name_is_a_form_error_not_a_500(admin_client, machine):
    response = admin_client.post(
        reverse("admin:machines_machine_add"),
        {"name": machine.name, "location": "x", "sensor_type": "y", "status": "active"},
    )
    assert response.status_code == 200
    assert Machine.objects.filter(name=machine.name).count() == 1


def test_edit_and_delete_machine(admin_client, machine):
    url = reverse("admin:machines_machine_change", args=[machine.pk])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        url, {"name": machine.name, "location": "Moved", "sensor_type": "Temperature", "status": "error"}
    )
    assert response.status_code == 302
    machine.refresh_from_db()
    assert (machine.location, machine.status) == ("Moved", "error")
    response = admin_client.post(reverse("admin:machines_machine_delete", args=[machine.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Machine.objects.filter(pk=machine.pk).exists()


def test_csv_export(admin_client, machine):
    response = admin_client.post(
        reverse("admin:machines_machine_changelist"),
        {"action": "export_csv", "_selected_action": [machine.pk]},
    )
    assert response.status_code == 200
    assert machine.name in response.content.decode()


def test_setting_edit_is_recorded_with_the_admin_as_source(admin_client_as, superuser):
    admin_client = admin_client_as(superuser)
    setting = SystemConfig.objects.get(name="data_retention_days")
    url = reverse("admin:machines_systemconfig_change", args=[setting.pk])
    assert "change history" in admin_client.get(url).content.decode().lower()
    response = admin_client.post(
        url,
        {
            "value": "30",
            "changes-TOTAL_FORMS": "1",
            "changes-INITIAL_FORMS": "1",
            "changes-MIN_NUM_FORMS": "0",
            "changes-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content
    change = SystemConfigChange.objects.filter(setting=setting).first()
    assert (change.old_value, change.new_value, change.source) == ("365", "30", "admin")
    assert change.changed_by_id == superuser.pk


def test_invalid_setting_value_is_a_message_not_a_500(admin_client):
    setting = SystemConfig.objects.get(name="alert_email")
    url = reverse("admin:machines_systemconfig_change", args=[setting.pk])
    response = admin_client.post(
        url,
        {
            "value": "nobody",
            "changes-TOTAL_FORMS": "1",
            "changes-INITIAL_FORMS": "1",
            "changes-MIN_NUM_FORMS": "0",
            "changes-MAX_NUM_FORMS": "1000",
        },
        follow=True,
    )
    assert response.status_code == 200
    # Refused by the service: the typed value comes back with the message beside it.
    form = response.context["adminform"].form
    assert form["value"].value() == "nobody"
    assert [e for e in form.errors["value"] if e.startswith("Invalid value for alert_email:")]
    setting.refresh_from_db()
    assert setting.value == "alerts@factory.com"


def test_new_setting_and_system_settings_cannot_be_deleted(admin_client):
    response = admin_client.post(
        reverse("admin:machines_systemconfig_add"), {"name": "shift_lead", "value": "Ana"}
    )
    assert response.status_code == 302
    created = SystemConfig.objects.get(name="shift_lead")
    assert created.changes.get().old_value is None
    protected = SystemConfig.objects.get(name="alert_email")
    admin_client.post(reverse("admin:machines_systemconfig_delete", args=[protected.pk]), {"post": "yes"})
    assert SystemConfig.objects.filter(name="alert_email").exists()
    admin_client.post(reverse("admin:machines_systemconfig_delete", args=[created.pk]), {"post": "yes"})
    assert not SystemConfig.objects.filter(name="shift_lead").exists()


def test_readings_are_read_only(admin_client, machine):
    from datetime import UTC, datetime

    SensorReading.objects.create(
        machine=machine, timestamp=datetime(2026, 3, 1, tzinfo=UTC), sensor_type="T", location="Z", speed=1.0
    )
    response = admin_client.get(reverse("admin:machines_sensorreading_changelist"))
    assert response.status_code == 200
    assert reverse("admin:machines_sensorreading_add") not in response.content.decode()
    MachineFactory()
