"""Role matrix: anonymous 401, wrong role 403, right role 2xx, through real endpoints and JWTs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from rest_framework.test import APIClient

from locks.models import Device
from locks.permissions import LockPermissions
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROLES = [None, "Operator", "Supervisor", "Management"]


def client_for(role: str | None, *, anonymous: bool = False) -> APIClient:
    api = APIClient()
    if anonymous:
        return api
    user = UserFactory(role=role)
    token = api.post(reverse("auth-login"), {"username": user.username, "password": TEST_PASSWORD})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    return api


def create_device(api: APIClient) -> int:
    return api.post(reverse("device-list"), {"name": "Gate", "type": "smart-lock"}).status_code


def change_status(api: APIClient) -> int:
    device = Device.objects.create(name="Door", type="smart-lock", status="locked")
    body = {"new_status": "unlocked", "expected_version_id": device.version_id}
    return api.post(reverse("device-update", args=[device.pk]), body).status_code


def register_supervisor(api: APIClient) -> int:
    body = {"username": "newsup", "email": "newsup@example.com", "password": "Str0ng-Passw0rd"}
    return api.post(reverse("auth-register"), {**body, "role": "Supervisor"}).status_code


# (endpoint, lowest role allowed, success status); anonymous callers always get 401 except register.
MATRIX = [
    (create_device, "Supervisor", 201),
    (change_status, "Operator", 200),
    (register_supervisor, "Management", 201),
]


@pytest.mark.parametrize(("call", "lowest", "ok"), MATRIX, ids=[m[0].__name__ for m in MATRIX])
@pytest.mark.parametrize("role", ROLES, ids=[r or "no-role" for r in ROLES])
def test_role_matrix(call, lowest, ok, role):
    allowed = role is not None and ROLES.index(role) >= ROLES.index(lowest)
    status = call(client_for(role))
    assert status == (ok if allowed else 403)


@pytest.mark.parametrize("call", [create_device, change_status], ids=["create_device", "change_status"])
def test_anonymous_is_401(call):
    assert call(client_for(None, anonymous=True)) == 401


def test_anonymous_cannot_register_a_supervisor():
    assert register_supervisor(client_for(None, anonymous=True)) == 403


def test_a_role_tuned_in_the_admin_applies_to_the_api():
    """Permissions come from the groups, so taking one away from a role takes effect at once."""
    api = client_for("Supervisor")
    Group.objects.get(name="Supervisor").permissions.remove(
        Permission.objects.get(codename=LockPermissions.ADD_DEVICE.codename)
    )
    assert create_device(api) == 403


def test_superuser_without_role_may_do_everything():
    api = APIClient()
    admin = UserFactory(is_superuser=True, is_staff=True)
    token = api.post(reverse("auth-login"), {"username": admin.username, "password": TEST_PASSWORD})
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['access_token']}")
    assert create_device(api) == 201
    assert change_status(api) == 200
    assert register_supervisor(api) == 201
