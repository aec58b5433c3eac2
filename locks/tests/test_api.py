from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework_simplejwt.tokens import AccessToken

from locks import services
from locks.models import Device, DeviceLog
from locks.tests.factories import DeviceFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MALFORMED_IDS = ["not-a-uuid", "123", "d56e6e42-bf24-4c5b-9085-6a5d4d28e5fZ"]


def status_url(device_id) -> str:
    return reverse("device-status", args=[device_id])


def update_url(device_id) -> str:
    return reverse("device-update", args=[device_id])


def detail_url(device_id) -> str:
    return reverse("device-detail", args=[device_id])


def logs_url(device_id) -> str:
    return reverse("device-logs", args=[device_id])


def assert_unchanged(device: Device) -> None:
    fresh = Device.objects.get(pk=device.pk)
    assert (fresh.status, fresh.version_id) == (device.status, device.version_id)
    assert not DeviceLog.objects.filter(device=device).exists()


# --- GET /device/{id}/status ---------------------------------------------------------------------
def test_status_answers_the_contract_fields(auth_client, operator, device):
    response = auth_client(operator).get(status_url(device.pk))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"id", "name", "type", "status", "version_id", "updated_at"}
    assert body["id"] == str(device.pk)
    assert (body["name"], body["type"], body["status"], body["version_id"]) == (
        "Main Door Lock",
        "smart-lock",
        "locked",
        0,
    )
    updated_at = datetime.fromisoformat(body["updated_at"])
    assert updated_at.tzinfo is not None
    assert updated_at == device.updated_at


@pytest.mark.parametrize("suffix", ["", "/"])
def test_paths_work_with_and_without_trailing_slash(auth_client, operator, device, suffix):
    client = auth_client(operator)
    assert client.get(f"/device/{device.pk}/status{suffix}").status_code == 200
    assert client.get(f"/device/{device.pk}{suffix}").status_code == 200
    assert client.get(f"/device{suffix}").status_code == 200


def test_status_of_unknown_device_is_404(auth_client, operator):
    response = auth_client(operator).get(status_url(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json() == {"detail": "Device not found"}


@pytest.mark.parametrize("bad_id", MALFORMED_IDS)
def test_malformed_id_is_404_device_not_found_everywhere(auth_client, supervisor, bad_id):
    client = auth_client(supervisor)
    responses = [
        client.get(status_url(bad_id)),
        client.post(update_url(bad_id), {"new_status": "unlocked", "expected_version_id": 0}),
        client.get(detail_url(bad_id)),
        client.patch(detail_url(bad_id), {"name": "x", "expected_version_id": 0}),
        client.delete(detail_url(bad_id)),
        client.get(logs_url(bad_id)),
    ]
    for response in responses:
        assert response.status_code == 404, response.request
        assert response.json() == {"detail": "Device not found"}


# --- POST /device/{id}/update ---------------------------------------------------------------------
def test_update_changes_status_and_answers_the_contract_fields(auth_client, operator, device):
    response = auth_client(operator).post(
        update_url(device.pk),
        {"new_status": "unlocked", "expected_version_id": 0, "changed_by": "user_1010"},
    )
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"device_id", "status", "version_id", "updated_at"}
    assert (body["device_id"], body["status"], body["version_id"]) == (str(device.pk), "unlocked", 1)
    assert datetime.fromisoformat(body["updated_at"]).tzinfo is not None

    device.refresh_from_db()
    assert (device.status, device.version_id) == ("unlocked", 1)
    log = DeviceLog.objects.get(device=device)
    assert (log.previous_status, log.new_status, log.version_id) == ("locked", "unlocked", 1)
    assert (log.actor_id, log.note, log.source) == (operator.pk, "user_1010", "api")


def test_changed_by_is_optional(auth_client, operator, device):
    response = auth_client(operator).post(
        update_url(device.pk), {"new_status": "jammed", "expected_version_id": 0}
    )
    assert response.status_code == 200
    assert DeviceLog.objects.get().note == ""


def test_update_of_unknown_device_is_404_before_the_version_check(auth_client, operator):
    response = auth_client(operator).post(
        update_url(uuid.uuid4()), {"new_status": "unlocked", "expected_version_id": 12345}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Device not found"}


@pytest.mark.parametrize("stale", [0, 2, 50])
def test_stale_version_is_409_with_the_current_state(auth_client, operator, stale):
    device = DeviceFactory(status="unlocked", version_id=1)
    response = auth_client(operator).post(
        update_url(device.pk), {"new_status": "locked", "expected_version_id": stale}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Version conflict",
        "current_status": "unlocked",
        "current_version_id": 1,
    }
    assert_unchanged(device)


def test_second_client_with_the_same_version_loses(auth_client, operator, device):
    client = auth_client(operator)
    first = client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0})
    second = client.post(update_url(device.pk), {"new_status": "jammed", "expected_version_id": 0})
    assert (first.status_code, second.status_code) == (200, 409)
    assert second.json()["current_status"] == "unlocked"
    assert second.json()["current_version_id"] == 1
    assert DeviceLog.objects.count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"new_status": "open", "expected_version_id": 0}, "new_status"),
        ({"new_status": "", "expected_version_id": 0}, "new_status"),
        ({"new_status": None, "expected_version_id": 0}, "new_status"),
        ({"expected_version_id": 0}, "new_status"),
        ({"new_status": "unlocked"}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": "abc"}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": 1.5}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": True}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": None}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": -1}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": 2**70}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": [0]}, "expected_version_id"),
        ({"new_status": "unlocked", "expected_version_id": 0, "changed_by": "x" * 151}, "changed_by"),
    ],
)
def test_bad_update_body_is_400_naming_the_field(auth_client, operator, device, payload, field):
    response = auth_client(operator).post(update_url(device.pk), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert_unchanged(device)


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"unlocked"'])
def test_malformed_json_is_400(auth_client, operator, device, body):
    response = auth_client(operator).post(update_url(device.pk), body, content_type="application/json")
    assert response.status_code == 400
    assert_unchanged(device)


def test_every_known_lock_state_is_accepted(auth_client, operator, device):
    client = auth_client(operator)
    for version, state in enumerate(["unlocked", "jammed", "unknown", "locked"]):
        response = client.post(update_url(device.pk), {"new_status": state, "expected_version_id": version})
        assert response.status_code == 200
    assert DeviceLog.objects.count() == 4


# --- Authentication and roles -----------------------------------------------------------------
def test_everything_needs_authentication(api_client, device):
    responses = [
        api_client.get(reverse("device-list")),
        api_client.post(reverse("device-list"), {"name": "x"}),
        api_client.get(detail_url(device.pk)),
        api_client.patch(detail_url(device.pk), {"name": "x", "expected_version_id": 0}),
        api_client.delete(detail_url(device.pk)),
        api_client.get(status_url(device.pk)),
        api_client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0}),
        api_client.get(logs_url(device.pk)),
    ]
    assert [r.status_code for r in responses] == [401] * len(responses)
    assert_unchanged(device)


def test_bearer_token_authenticates_and_names_the_actor(api_client, operator, device):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {AccessToken.for_user(operator)}")
    assert api_client.get(status_url(device.pk)).status_code == 200
    response = api_client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0})
    assert response.status_code == 200
    assert DeviceLog.objects.get().actor_id == operator.pk


def test_invalid_bearer_token_is_401(api_client, device):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")
    assert api_client.get(status_url(device.pk)).status_code == 401


def test_user_without_a_role_neither_reads_nor_changes(auth_client, reader, device):
    client = auth_client(reader)
    assert client.get(reverse("device-list")).status_code == 403
    assert client.get(detail_url(device.pk)).status_code == 403
    assert client.get(status_url(device.pk)).status_code == 403
    assert client.get(logs_url(device.pk)).status_code == 403
    response = client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0})
    assert response.status_code == 403
    assert_unchanged(device)


def test_operator_changes_status_but_not_devices(auth_client, operator, device):
    client = auth_client(operator)
    assert client.post(reverse("device-list"), {"name": "New"}).status_code == 403
    assert client.patch(detail_url(device.pk), {"name": "x", "expected_version_id": 0}).status_code == 403
    assert client.delete(detail_url(device.pk)).status_code == 403
    assert Device.objects.get(pk=device.pk).name == "Main Door Lock"
    response = client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0})
    assert response.status_code == 200


def test_supervisor_manages_devices_and_changes_status(auth_client, supervisor, device):
    client = auth_client(supervisor)
    assert client.post(reverse("device-list"), {"name": "New"}).status_code == 201
    assert client.patch(detail_url(device.pk), {"name": "x", "expected_version_id": 0}).status_code == 200
    assert (
        client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 1}).status_code
        == 200
    )
    assert client.delete(detail_url(device.pk)).status_code == 204


def test_management_inherits_everything(auth_client, device):
    manager = UserFactory(role="Management")
    client = auth_client(manager)
    assert (
        client.post(update_url(device.pk), {"new_status": "unlocked", "expected_version_id": 0}).status_code
        == 200
    )
    assert client.delete(detail_url(device.pk)).status_code == 204


# --- The device collection -------------------------------------------------------------------
def test_list_is_a_plain_array_in_name_order_with_total_count(auth_client, operator):
    for name in ["Charlie", "Alpha", "Bravo"]:
        DeviceFactory(name=name)
    response = auth_client(operator).get(reverse("device-list"), {"limit": 2})
    assert response.status_code == 200
    assert [d["name"] for d in response.json()] == ["Alpha", "Bravo"]
    assert response["X-Total-Count"] == "3"
    assert 'rel="next"' in response["Link"]
    response = auth_client(operator).get(reverse("device-list"), {"skip": 2, "limit": 2})
    assert [d["name"] for d in response.json()] == ["Charlie"]


def test_list_filters_and_search(auth_client, operator):
    DeviceFactory(name="Main Door", status="locked", type="smart-lock", location="Hall")
    DeviceFactory(name="Back Door", status="unlocked", type="smart-lock", location="Yard")
    DeviceFactory(name="Gate", status="unlocked", type="gate-lock", location="yard")
    client = auth_client(operator)

    def names(**params):
        response = client.get(reverse("device-list"), params)
        assert response.status_code == 200
        return [d["name"] for d in response.json()]

    assert names(status="unlocked") == ["Back Door", "Gate"]
    assert names(type="gate-lock") == ["Gate"]
    assert names(location="YARD") == ["Back Door", "Gate"]
    assert names(search="door") == ["Back Door", "Main Door"]
    assert names(status="unlocked", search="door") == ["Back Door"]


@pytest.mark.parametrize("params", [{"status": "open"}, {"limit": 0}, {"skip": "x"}])
def test_bad_list_parameters_are_400(auth_client, operator, params):
    assert auth_client(operator).get(reverse("device-list"), params).status_code == 400


def test_create_answers_201_with_the_device(auth_client, supervisor):
    response = auth_client(supervisor).post(
        reverse("device-list"), {"name": "Server Room", "location": "B2", "status": "unlocked"}
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "type", "status", "version_id", "location", "created_at", "updated_at"}
    assert (body["name"], body["type"], body["status"], body["version_id"]) == (
        "Server Room",
        "smart-lock",
        "unlocked",
        0,
    )
    assert Device.objects.get(pk=body["id"]).location == "B2"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x", "status": "open"}, "status"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_create_validates(auth_client, supervisor, payload, field):
    response = auth_client(supervisor).post(reverse("device-list"), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Device.objects.exists()


def test_create_ignores_client_chosen_id_and_version(auth_client, supervisor):
    chosen = uuid.uuid4()
    response = auth_client(supervisor).post(
        reverse("device-list"), {"id": str(chosen), "name": "x", "version_id": 9}
    )
    assert response.status_code == 201
    assert response.json()["id"] != str(chosen)
    assert response.json()["version_id"] == 0


def test_retrieve(auth_client, operator, device):
    response = auth_client(operator).get(detail_url(device.pk))
    assert response.status_code == 200
    assert response.json()["location"] == "Building A"


def test_put_is_not_offered(auth_client, supervisor, device):
    response = auth_client(supervisor).put(detail_url(device.pk), {"name": "x", "expected_version_id": 0})
    assert response.status_code == 405


# --- PATCH metadata ---------------------------------------------------------------------------
def test_patch_changes_metadata_and_bumps_the_version(auth_client, supervisor, device):
    response = auth_client(supervisor).patch(
        detail_url(device.pk), {"name": "Front Door", "location": "Lobby", "expected_version_id": 0}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["location"], body["type"], body["version_id"]) == (
        "Front Door",
        "Lobby",
        "smart-lock",
        1,
    )
    assert not DeviceLog.objects.exists()


def test_stale_patch_is_409_and_changes_nothing(auth_client, supervisor, device):
    services.device_change_status(device_id=device.pk, new_status="unlocked", expected_version=0, actor=None)
    response = auth_client(supervisor).patch(
        detail_url(device.pk), {"name": "Front Door", "expected_version_id": 0}
    )
    assert response.status_code == 409
    assert response.json() == {
        "detail": "Version conflict",
        "current_status": "unlocked",
        "current_version_id": 1,
    }
    assert Device.objects.get(pk=device.pk).name == "Main Door Lock"


def test_patch_of_unknown_device_is_404(auth_client, supervisor):
    response = auth_client(supervisor).patch(
        detail_url(uuid.uuid4()), {"name": "x", "expected_version_id": 0}
    )
    assert response.status_code == 404
    assert response.json() == {"detail": "Device not found"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": "x"}, "expected_version_id"),
        ({"name": "x", "expected_version_id": "one"}, "expected_version_id"),
        ({"status": "unlocked", "expected_version_id": 0}, "status"),
        ({"expected_version_id": 0}, "non_field_errors"),
        ({"name": "", "expected_version_id": 0}, "name"),
    ],
)
def test_bad_patch_is_400(auth_client, supervisor, device, payload, field):
    response = auth_client(supervisor).patch(detail_url(device.pk), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert_unchanged(device)


# --- DELETE -----------------------------------------------------------------------------------
def test_delete_then_404(auth_client, supervisor, device):
    client = auth_client(supervisor)
    assert client.delete(detail_url(device.pk)).status_code == 204
    response = client.delete(detail_url(device.pk))
    assert response.status_code == 404
    assert response.json() == {"detail": "Device not found"}


# --- GET /device/{id}/logs --------------------------------------------------------------------
def make_history(device, actors, count):
    for version in range(count):
        services.device_change_status(
            device_id=device.pk,
            new_status="unlocked" if version % 2 == 0 else "locked",
            expected_version=version,
            actor=actors[version % len(actors)],
            note=f"step {version}",
        )


def test_logs_are_newest_first_and_paginated(auth_client, operator, device):
    make_history(device, [operator], 5)
    other = DeviceFactory()
    make_history(other, [operator], 2)
    response = auth_client(operator).get(logs_url(device.pk), {"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert [row["version_id"] for row in body] == [5, 4]
    assert response["X-Total-Count"] == "5"
    assert body[0] == {
        "id": body[0]["id"],
        "device_id": str(device.pk),
        "previous_status": "locked",
        "new_status": "unlocked",
        "version_id": 5,
        "changed_at": body[0]["changed_at"],
        "actor_id": operator.pk,
        "actor": operator.username,
        "changed_by": "step 4",
        "source": "api",
    }
    response = auth_client(operator).get(logs_url(device.pk), {"skip": 4, "limit": 2})
    assert [row["version_id"] for row in response.json()] == [1]


def test_logs_filter_by_actor_and_time_range(auth_client, operator, supervisor, device):
    make_history(device, [operator, supervisor], 4)
    client = auth_client(operator)
    by_actor = client.get(logs_url(device.pk), {"actor": supervisor.pk}).json()
    assert [row["version_id"] for row in by_actor] == [4, 2]
    by_name = client.get(logs_url(device.pk), {"actor_username": operator.username.upper()}).json()
    assert [row["version_id"] for row in by_name] == [3, 1]

    old = timezone.now() - timedelta(days=2)
    DeviceLog.objects.filter(device=device, version_id__lte=2).update(changed_at=old)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    recent = client.get(logs_url(device.pk), {"changed_after": since}).json()
    assert [row["version_id"] for row in recent] == [4, 3]
    earlier = client.get(logs_url(device.pk), {"changed_before": since}).json()
    assert [row["version_id"] for row in earlier] == [2, 1]


@pytest.mark.parametrize("params", [{"changed_after": "yesterday"}, {"actor": "bob"}, {"source": "email"}])
def test_bad_log_filters_are_400(auth_client, operator, device, params):
    assert auth_client(operator).get(logs_url(device.pk), params).status_code == 400


def test_logs_of_unknown_device_are_404(auth_client, operator):
    response = auth_client(operator).get(logs_url(uuid.uuid4()))
    assert response.status_code == 404
    assert response.json() == {"detail": "Device not found"}


def test_api_root_links_the_devices(api_client):
    assert api_client.get(reverse("root")).json()["links"]["devices"].endswith("/device/")
