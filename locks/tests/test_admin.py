from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from locks import services
from locks.models import Device, DeviceLog
from locks.permissions import LockPermissions
from locks.tests.factories import DeviceFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def change_url(device: Device) -> str:
    return reverse("admin:locks_device_change", args=[device.pk])


def form_data(client, device: Device, **changes) -> dict:
    """What the browser submits: the rendered form's values (incl. the hidden version) plus edits."""
    response = client.get(change_url(device))
    assert response.status_code == 200
    form = response.context["adminform"].form
    data = {name: form[name].value() for name in ["name", "type", "status", "location", "expected_version"]}
    data = {key: "" if value is None else value for key, value in data.items()}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for index, inline_form in enumerate(formset.initial_forms):
            data[f"{formset.prefix}-{index}-id"] = inline_form.instance.pk
            data[f"{formset.prefix}-{index}-device"] = device.pk
    data.update(changes)
    return data


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_changelist_shows_coloured_status_filters_and_search(admin_client):
    DeviceFactory(name="Main Door Lock", status="unlocked")
    DeviceFactory(name="Gate", status="jammed")
    url = reverse("admin:locks_device_changelist")
    response = admin_client.get(url)
    assert response.status_code == 200
    assert "&#9679; Unlocked" in response.text
    assert "#c62828" in response.text
    response = admin_client.get(url, {"q": "main"})
    assert "Main Door Lock" in response.text
    assert "Gate" not in response.text
    assert admin_client.get(url, {"status__exact": "jammed"}).status_code == 200


def test_change_form_carries_the_version_as_a_hidden_field(admin_client):
    device = DeviceFactory(version_id=3)
    response = admin_client.get(change_url(device))
    assert response.status_code == 200
    assert '<input type="hidden" name="expected_version" value="3"' in response.text


def test_admin_save_goes_through_the_services(admin_client):
    device = DeviceFactory(name="Old name")
    data = form_data(admin_client, device, name="New name", status="unlocked")
    response = admin_client.post(change_url(device), data)
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.name, device.status, device.version_id) == ("New name", "unlocked", 2)
    log = DeviceLog.objects.get()
    assert (log.previous_status, log.new_status, log.version_id, log.source) == (
        "locked",
        "unlocked",
        2,
        "admin",
    )


def test_stale_admin_save_is_refused_with_a_clear_message(admin_client):
    device = DeviceFactory(name="Main Door Lock")
    data = form_data(admin_client, device, name="Renamed by admin")
    services.device_change_status(device_id=device.pk, new_status="unlocked", expected_version=0, actor=None)

    response = admin_client.post(change_url(device), data, follow=True)
    assert response.status_code == 200
    [message] = messages_of(response)
    assert message.startswith("Not saved: someone else changed this device")
    assert "version 1" in message
    device.refresh_from_db()
    assert (device.name, device.status, device.version_id) == ("Main Door Lock", "unlocked", 1)
    assert DeviceLog.objects.count() == 1


def test_stale_admin_save_without_edits_cannot_revert_another_change(admin_client):
    device = DeviceFactory()
    data = form_data(admin_client, device)
    services.device_update(device=device.pk, expected_version=0, actor=None, name="Renamed by API")
    admin_client.post(change_url(device), data)
    assert Device.objects.get(pk=device.pk).name == "Renamed by API"


def test_change_page_renders_the_recent_log_inline_read_only(admin_client):
    device = DeviceFactory()
    for version in range(25):
        services.device_change_status(
            device_id=device.pk,
            new_status="jammed" if version % 2 else "unknown",
            expected_version=version,
            actor=None,
        )
    response = admin_client.get(change_url(device))
    [inline] = response.context["inline_admin_formsets"]
    assert [form.instance.version_id for form in inline.formset.initial_forms] == list(range(25, 5, -1))
    assert not inline.has_change_permission
    assert "all 25 changes" in response.text
    response = admin_client.post(change_url(device), form_data(admin_client, device, location="Moved"))
    assert response.status_code == 302
    assert DeviceLog.objects.count() == 25


def test_admin_add_creates_a_device_at_version_zero(admin_client):
    response = admin_client.post(
        reverse("admin:locks_device_add"),
        {"name": "Server Room", "type": "smart-lock", "status": "locked", "location": "B2"},
    )
    assert response.status_code == 302
    device = Device.objects.get()
    assert (device.name, device.version_id) == ("Server Room", 0)


def test_lock_and_unlock_actions_use_the_service_and_log(admin_client):
    locked = DeviceFactory(status="locked")
    unlocked = DeviceFactory(status="unlocked", version_id=4)
    url = reverse("admin:locks_device_changelist")
    ids = [str(locked.pk), str(unlocked.pk)]

    response = admin_client.post(url, {"action": "unlock_devices", "_selected_action": ids}, follow=True)
    assert "1 device(s) unlocked, 1 already unlocked." in messages_of(response)
    log = DeviceLog.objects.get()
    assert (log.device_id, log.new_status, log.version_id, log.source) == (locked.pk, "unlocked", 1, "admin")

    admin_client.post(url, {"action": "lock_devices", "_selected_action": ids})
    assert set(Device.objects.values_list("status", "version_id")) == {("locked", 2), ("locked", 5)}
    assert DeviceLog.objects.filter(source="admin").count() == 3


def test_actions_need_the_status_permission(client):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(*_perms(LockPermissions.VIEW_DEVICE))
    client.force_login(viewer)
    device = DeviceFactory()
    response = client.get(reverse("admin:locks_device_changelist"))
    assert response.status_code == 200
    assert "lock_devices" not in response.text
    client.post(
        reverse("admin:locks_device_changelist"),
        {"action": "unlock_devices", "_selected_action": [str(device.pk)]},
    )
    assert not DeviceLog.objects.exists()

    viewer.user_permissions.add(*_perms(LockPermissions.CHANGE_DEVICE_STATUS))
    response = client.get(reverse("admin:locks_device_changelist"))
    assert "unlock_devices" in response.text


def test_admin_delete_goes_through_the_service(admin_client):
    device = DeviceFactory()
    response = admin_client.post(reverse("admin:locks_device_delete", args=[device.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Device.objects.exists()


def test_log_admin_is_read_only(admin_client):
    device = DeviceFactory(name="Main Door Lock")
    log = services.device_change_status(
        device_id=device.pk, new_status="unlocked", expected_version=0, actor=None
    )
    changelist = admin_client.get(
        reverse("admin:locks_devicelog_changelist"), {"device__id__exact": device.pk}
    )
    assert changelist.status_code == 200
    assert "Main Door Lock" in changelist.text
    assert admin_client.get(reverse("admin:locks_devicelog_add")).status_code == 403
    view = admin_client.get(reverse("admin:locks_devicelog_change", args=[log.pk]))
    assert view.status_code == 200
    assert 'name="_save"' not in view.text
    admin_client.post(reverse("admin:locks_devicelog_change", args=[log.pk]), {"note": "forged"})
    assert (
        admin_client.post(reverse("admin:locks_devicelog_delete", args=[log.pk]), {"post": "yes"}).status_code
        == 403
    )
    log.refresh_from_db()
    assert log.note == ""


def _perms(*members: LockPermissions):
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="locks", codename__in=[m.codename for m in members]
    )
