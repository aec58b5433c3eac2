"""Issue 8, "exposure": the directory keeps e-mail and role for Supervisor and up (and the person
themself), and self-registration is throttled per IP far below login, so probing is slow."""

from __future__ import annotations

import pytest
from django.urls import reverse

from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def root(db):
    return UserFactory(username="root", email="root@example.com", is_superuser=True, is_staff=True)


def test_a_role_less_account_does_not_read_the_directory(auth_client, reader, root):
    assert auth_client(reader).get("/users/").status_code == 403
    assert auth_client(reader).get(f"/users/{root.pk}").status_code == 403


@pytest.mark.parametrize("viewer_name", ["operator"])
def test_below_supervisor_the_directory_hides_email_and_role(auth_client, request, root, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    rows = {row["id_user"]: row for row in auth_client(viewer).get("/users/").json()}
    assert rows[root.pk]["email"] is None
    assert rows[root.pk]["role"] is None
    assert rows[root.pk]["username"] == "root"
    # Their own record shows everything.
    assert rows[viewer.pk]["email"] == viewer.email
    single = auth_client(viewer).get(f"/users/{root.pk}").json()
    assert single["email"] is None and single["role"] is None


@pytest.mark.parametrize("viewer_name", ["supervisor", "manager", "superuser"])
def test_supervisor_and_up_see_email_and_role(auth_client, request, operator, viewer_name):
    viewer = request.getfixturevalue(viewer_name)
    row = auth_client(viewer).get(f"/users/{operator.pk}").json()
    assert row["email"] == operator.email
    assert row["role"] == "Operator"


def test_register_is_throttled_per_ip_below_login(api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_REGISTER = "2/hour"
    UserFactory(username="taken", email="taken@example.com")
    body = {"username": "probe", "email": "taken@example.com", "password": "Str0ng-Passw0rd"}
    assert api_client.post(reverse("auth-register"), body).status_code == 400
    assert api_client.post(reverse("auth-register"), {**body, "email": "free@example.com"}).status_code == 201
    response = api_client.post(
        reverse("auth-register"), {**body, "username": "probe2", "email": "x@example.com"}
    )
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_register_default_rate_is_far_below_login():
    from rest_framework.throttling import SimpleRateThrottle

    def per_hour(rate: str) -> float:
        count, seconds = SimpleRateThrottle.parse_rate(SimpleRateThrottle, rate)
        return count * 3600 / seconds

    from config import settings as project_settings

    assert per_hour(project_settings.THROTTLE_REGISTER) * 10 <= per_hour(project_settings.THROTTLE_LOGIN)
