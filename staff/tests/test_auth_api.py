"""JWT auth endpoints (/api/v1/auth/...): every documented path and its error paths."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from staff.models import User
from staff.permissions import StaffPermissions
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "Str0ng-Passw0rd"


def post_refresh(api_client: APIClient, token: str):
    return api_client.post(reverse("auth-refresh"), {"refresh_token": token})


def login(api_client: APIClient, username: str, password: str = TEST_PASSWORD, **extra):
    return api_client.post(reverse("auth-login"), {"username": username, "password": password}, **extra)


def error(detail: str) -> dict:
    """An error under /api/v1/auth/: `detail` with the machines clients' `status` and `message`."""
    return {"status": "error", "message": detail, "detail": detail}


def bearer(api_client: APIClient, token: str) -> APIClient:
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


# --- register ------------------------------------------------------------------------------
def test_register_creates_an_account_without_a_role_and_never_returns_the_password(api_client):
    response = api_client.post(
        reverse("auth-register"),
        {"username": "alice", "email": "alice@example.com", "password": GOOD_PASSWORD, "factory_id": "F7"},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["username"] == "alice"
    assert body["role"] is None  # issue 15: no role until Management assigns one
    assert body["factory_id"] == "F7"
    assert "password" not in body and GOOD_PASSWORD not in response.content.decode()
    user = User.objects.get(username="alice")
    assert user.check_password(GOOD_PASSWORD)
    assert GOOD_PASSWORD not in user.password


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "ab"}, "username"),
        ({"username": "x" * 51}, "username"),
        ({"username": "bad name!"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short1A"}, "password"),
        ({"password": "alllowercase1"}, "password"),
        ({"password": "ALLUPPERCASE1"}, "password"),
        ({"password": "NoDigitsHere"}, "password"),
        ({"password": "Password1"}, "password"),
        ({"role": "Emperor"}, "role"),
    ],
)
def test_register_rejects_bad_input(api_client, payload, field):
    body = {"username": "bob", "email": "bob@example.com", "password": GOOD_PASSWORD, **payload}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 400
    assert field in response.json()
    assert not User.objects.filter(email="bob@example.com").exists()


@pytest.mark.parametrize("missing", ["username", "email", "password"])
def test_register_requires_fields(api_client, missing):
    body = {"username": "bob", "email": "bob@example.com", "password": GOOD_PASSWORD}
    body.pop(missing)
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 400
    assert missing in response.json()


@pytest.mark.parametrize(
    "clash", [{"username": "Carol"}, {"email": "CAROL@example.com"}], ids=["username", "email"]
)
def test_register_duplicate_username_or_email(api_client, clash):
    UserFactory(username="carol", email="carol@example.com")
    body = {"username": "other", "email": "other@example.com", "password": GOOD_PASSWORD, **clash}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 400
    assert response.json() == error("User with this username or email already exists")
    assert User.objects.count() == 1


@pytest.mark.parametrize("role", ["Supervisor", "Management"])
def test_self_registration_cannot_pick_a_higher_role(api_client, role):
    body = {"username": "eve", "email": "eve@example.com", "password": GOOD_PASSWORD, "role": role}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 403
    assert not User.objects.filter(username="eve").exists()


@pytest.mark.parametrize("role", ["Operator", "Supervisor"])
def test_non_management_callers_cannot_pick_a_higher_role(api_client, role):
    caller = UserFactory(role=role)
    api_client.force_authenticate(caller)
    body = {"username": "eve", "email": "eve@example.com", "password": GOOD_PASSWORD, "role": "Management"}
    assert api_client.post(reverse("auth-register"), body).status_code == 403


@pytest.mark.parametrize("role", ["Supervisor", "Management"])
def test_management_can_register_any_role(api_client, role):
    manager = UserFactory(role="Management")
    token = login(api_client, manager.username).json()["access_token"]
    bearer(api_client, token)
    body = {"username": "sam", "email": "sam@example.com", "password": GOOD_PASSWORD, "role": role}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 201
    assert response.json()["role"] == role
    assert list(User.objects.get(username="sam").groups.values_list("name", flat=True)) == [role]


# --- login ---------------------------------------------------------------------------------
@pytest.mark.parametrize("identifier", ["dave", "DAVE", "dave@example.com"])
def test_login_by_username_or_email(api_client, identifier):
    user = UserFactory(username="dave", email="dave@example.com", role="Supervisor")
    assert user.last_login is None
    response = login(api_client, identifier)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["access_token"] and body["refresh_token"]
    assert body["user"]["username"] == "dave"
    assert body["user"]["role"] == "Supervisor"
    assert StaffPermissions.VIEW_PERSONAL_DATA in body["user"]["permissions"]
    assert "password" not in body["user"]
    user.refresh_from_db()
    assert user.last_login is not None
    assert AccessToken(body["access_token"])["user_id"] == str(user.pk)


@pytest.mark.parametrize(("username", "password"), [("dave", "wrong-Passw0rd"), ("nobody", TEST_PASSWORD)])
def test_login_wrong_password_or_unknown_user_is_401(api_client, username, password):
    UserFactory(username="dave")
    response = login(api_client, username, password)
    assert response.status_code == 401
    assert response.json() == error("Invalid username or password")


def test_login_inactive_user_is_401(api_client):
    UserFactory(username="ina", is_active=False)
    response = login(api_client, "ina")
    assert response.status_code == 401
    assert response.json() == error("User account is inactive")


def test_login_user_without_usable_password_is_401(api_client):
    user = UserFactory(username="record")
    user.set_unusable_password()
    user.save()
    assert login(api_client, "record").status_code == 401


@pytest.mark.parametrize("body", [{}, {"username": "x"}, {"password": "y"}])
def test_login_requires_both_fields(api_client, body):
    response = api_client.post(reverse("auth-login"), body)
    assert response.status_code == 400


def test_login_is_throttled_per_ip(api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN_IP = "3/min"
    UserFactory(username="dave")
    statuses = [login(api_client, f"guess{i}", "x").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    response = login(api_client, "dave")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


def test_login_is_throttled_per_username_across_ips(api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "3/min"
    UserFactory(username="dave")
    statuses = [login(api_client, "dave", "wrong", REMOTE_ADDR=f"10.0.0.{i}").status_code for i in range(4)]
    assert statuses == [401, 401, 401, 429]
    assert login(api_client, "someone-else", "x", REMOTE_ADDR="10.0.0.99").status_code == 401


# --- me and the authentication header ------------------------------------------------------
def test_me_returns_the_caller_with_role_and_permissions(api_client):
    user = UserFactory(role="Operator")
    bearer(api_client, login(api_client, user.username).json()["access_token"])
    response = api_client.get(reverse("auth-me"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == user.pk
    assert body["role"] == "Operator"
    assert StaffPermissions.VIEW_POSITION in body["permissions"]
    assert body["date_joined"].endswith("Z")


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Authentication credentials were not provided."),
        ("Token abc", "Authorization header must be 'Bearer <token>'."),
        ("Bearer", "Authorization header must be 'Bearer <token>'."),
        ("Bearer a b", "Authorization header must be 'Bearer <token>'."),
        ("Bearer not.a.jwt", "Token is invalid"),
        ("   ", "Authentication credentials were not provided."),
    ],
)
def test_me_without_valid_credentials_is_401(api_client, header, message):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get(reverse("auth-me"))
    assert response.status_code == 401
    assert response.json()["detail"] == message
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_expired_access_token_is_401(api_client):
    user = UserFactory()
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=-timedelta(seconds=1))
    bearer(api_client, str(token))
    response = api_client.get(reverse("auth-me"))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"].lower()


def test_refresh_token_sent_as_access_token_is_401(api_client):
    user = UserFactory()
    bearer(api_client, str(RefreshToken.for_user(user)))
    assert api_client.get(reverse("auth-me")).status_code == 401


def test_token_signed_with_another_key_is_401(api_client, settings):
    user = UserFactory()
    token = str(AccessToken.for_user(user))
    header, payload, signature = token.split(".")
    bearer(api_client, f"{header}.{payload}.{signature[::-1]}")
    assert api_client.get(reverse("auth-me")).status_code == 401


def test_deactivated_user_is_refused_at_once(api_client):
    user = UserFactory()
    bearer(api_client, login(api_client, user.username).json()["access_token"])
    assert api_client.get(reverse("auth-me")).status_code == 200
    user.is_active = False
    user.save()
    response = api_client.get(reverse("auth-me"))
    assert response.status_code == 401
    assert response.json()["detail"] == "User account is inactive."


def test_deleted_user_token_is_401(api_client):
    user = UserFactory()
    bearer(api_client, login(api_client, user.username).json()["access_token"])
    user.delete()
    assert api_client.get(reverse("auth-me")).status_code == 401


def test_role_change_takes_effect_on_the_next_request(api_client):
    user = UserFactory(role="Operator")
    bearer(api_client, login(api_client, user.username).json()["access_token"])
    assert StaffPermissions.VIEW_PERSONAL_DATA not in api_client.get(reverse("auth-me")).json()["permissions"]
    user.groups.add(Group.objects.get(name="Supervisor"))
    from django.test import RequestFactory

    from staff.auth.authentication import JWTAuthentication

    request = RequestFactory().get("/", HTTP_AUTHORIZATION=api_client._credentials["HTTP_AUTHORIZATION"])
    authenticated, _ = JWTAuthentication().authenticate(request)
    assert authenticated.has_perm(StaffPermissions.VIEW_PERSONAL_DATA)
    group = Group.objects.get(name="Supervisor")
    group.permissions.clear()
    authenticated, _ = JWTAuthentication().authenticate(request)
    assert not authenticated.has_perm(StaffPermissions.VIEW_PERSONAL_DATA)


def test_authenticated_requests_cost_no_query_once_cached(api_client, django_assert_num_queries):
    from django.test import RequestFactory

    from staff.auth.authentication import JWTAuthentication

    user = UserFactory(role="Operator")
    token = login(api_client, user.username).json()["access_token"]
    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    JWTAuthentication().authenticate(request)
    with django_assert_num_queries(0):
        authenticated, _ = JWTAuthentication().authenticate(request)
        assert authenticated.pk == user.pk
        assert authenticated.has_perm(StaffPermissions.VIEW_POSITION)
        assert not authenticated.has_perm(StaffPermissions.ADD_USER)


# --- refresh -------------------------------------------------------------------------------
def test_refresh_rotates_and_old_refresh_token_is_refused(api_client):
    user = UserFactory()
    tokens = login(api_client, user.username).json()
    response = post_refresh(api_client, tokens["refresh_token"])
    assert response.status_code == 200
    fresh = response.json()
    assert fresh["access_token"] != tokens["access_token"]
    assert fresh["refresh_token"] != tokens["refresh_token"]
    assert fresh["token_type"] == "Bearer"
    bearer(api_client, fresh["access_token"])
    assert api_client.get(reverse("auth-me")).status_code == 200
    reuse = post_refresh(api_client, tokens["refresh_token"])
    assert reuse.status_code == 401
    assert reuse.json()["detail"] == "Token is blacklisted"
    # Issue 8: reusing a rotated refresh token revokes the whole login (token family), so the
    # fresh pair it was rotated into is dead too (refresh-token reuse detection).
    assert post_refresh(api_client, fresh["refresh_token"]).status_code == 401
    assert api_client.get(reverse("auth-me")).status_code == 401


@pytest.mark.parametrize("kind", ["access", "garbage", "expired"])
def test_refresh_with_a_non_refresh_token_is_401(api_client, kind):
    user = UserFactory()
    if kind == "access":
        token = login(api_client, user.username).json()["access_token"]
    elif kind == "garbage":
        token = "garbage"
    else:
        refresh = RefreshToken.for_user(user)
        refresh.set_exp(lifetime=-timedelta(seconds=1))
        token = str(refresh)
    response = post_refresh(api_client, token)
    assert response.status_code == 401


def test_refresh_for_a_deactivated_user_is_401(api_client):
    user = UserFactory()
    tokens = login(api_client, user.username).json()
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert post_refresh(api_client, tokens["refresh_token"]).status_code == 401


def test_refresh_requires_the_field(api_client):
    response = api_client.post(reverse("auth-refresh"), {})
    assert response.status_code == 400
    assert "refresh_token" in response.json()


# --- logout --------------------------------------------------------------------------------
def test_logout_revokes_the_access_token_and_its_refresh_token(api_client):
    user = UserFactory()
    tokens = login(api_client, user.username).json()
    bearer(api_client, tokens["access_token"])
    response = api_client.post(reverse("auth-logout"), {})
    assert response.status_code == 200
    assert response.json() == {"status": "success", "message": "Logged out successfully"}
    after = api_client.get(reverse("auth-me"))
    assert after.status_code == 401
    assert after.json()["detail"] == "Token has been revoked."
    api_client.credentials()
    assert post_refresh(api_client, tokens["refresh_token"]).status_code == 401


def test_logout_with_refresh_token_in_body(api_client):
    user = UserFactory()
    tokens = login(api_client, user.username).json()
    bearer(api_client, tokens["access_token"])
    response = api_client.post(reverse("auth-logout"), {"refresh_token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert api_client.get(reverse("auth-me")).status_code == 401
    api_client.credentials()
    assert post_refresh(api_client, tokens["refresh_token"]).status_code == 401


def test_logout_after_rotation_revokes_the_rotated_pair(api_client):
    user = UserFactory()
    first = login(api_client, user.username).json()
    second = post_refresh(api_client, first["refresh_token"]).json()
    bearer(api_client, second["access_token"])
    assert api_client.post(reverse("auth-logout"), {}).status_code == 200
    api_client.credentials()
    assert post_refresh(api_client, second["refresh_token"]).status_code == 401


def test_logout_rejects_someone_elses_refresh_token(api_client):
    user, other = UserFactory(), UserFactory()
    tokens = login(api_client, user.username).json()
    others = login(api_client, other.username).json()
    bearer(api_client, tokens["access_token"])
    response = api_client.post(reverse("auth-logout"), {"refresh_token": others["refresh_token"]})
    assert response.status_code == 401
    api_client.credentials()
    assert post_refresh(api_client, others["refresh_token"]).status_code == 200


def test_logout_rejects_a_garbage_refresh_token(api_client):
    user = UserFactory()
    bearer(api_client, login(api_client, user.username).json()["access_token"])
    assert api_client.post(reverse("auth-logout"), {"refresh_token": "garbage"}).status_code == 401
    assert api_client.get(reverse("auth-me")).status_code == 200


def test_logout_needs_authentication(api_client):
    assert api_client.post(reverse("auth-logout"), {}).status_code == 401


def test_logout_does_not_touch_other_sessions(api_client):
    user = UserFactory()
    phone = login(api_client, user.username).json()
    laptop = login(api_client, user.username).json()
    bearer(api_client, phone["access_token"])
    assert api_client.post(reverse("auth-logout"), {}).status_code == 200
    bearer(api_client, laptop["access_token"])
    assert api_client.get(reverse("auth-me")).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/auth/login/"])
def test_auth_paths_accept_both_slash_forms(api_client, path):
    UserFactory(username="dave")
    response = api_client.post(path, {"username": "dave", "password": TEST_PASSWORD})
    assert response.status_code == 200


# --- races ---------------------------------------------------------------------------------
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refresh_of_one_token_succeeds_once():
    user = UserFactory()
    refresh = login(APIClient(), user.username).json()["refresh_token"]
    barrier = threading.Barrier(8)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        try:
            client = APIClient()
            barrier.wait()
            status = client.post(reverse("auth-refresh"), {"refresh_token": refresh}).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [401] * 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_of_one_username_creates_one_user():
    barrier = threading.Barrier(6)
    statuses: list[int] = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            client = APIClient()
            barrier.wait()
            body = {"username": "racer", "email": f"racer{i}@example.com", "password": GOOD_PASSWORD}
            status = client.post(reverse("auth-register"), body).status_code
            with lock:
                statuses.append(status)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [400] * 5
    assert User.objects.filter(username="racer").count() == 1


def test_logout_with_an_expired_or_already_rotated_refresh_token_still_logs_out(api_client):
    user = UserFactory()
    first = login(api_client, user.username).json()
    second = post_refresh(api_client, first["refresh_token"]).json()
    expired = RefreshToken.for_user(user)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    for stale in (first["refresh_token"], str(expired)):
        tokens = login(api_client, user.username).json()
        bearer(api_client, tokens["access_token"])
        assert api_client.post(reverse("auth-logout"), {"refresh_token": stale}).status_code == 200
        assert api_client.get(reverse("auth-me")).status_code == 401
    api_client.credentials()
    assert post_refresh(api_client, second["refresh_token"]).status_code == 200


def test_logout_with_a_forged_refresh_token_changes_nothing(api_client):
    user = UserFactory()
    tokens = login(api_client, user.username).json()
    header, payload, signature = tokens["refresh_token"].split(".")
    bearer(api_client, tokens["access_token"])
    forged = f"{header}.{payload}.{signature[::-1]}"
    assert api_client.post(reverse("auth-logout"), {"refresh_token": forged}).status_code == 401
    assert api_client.get(reverse("auth-me")).status_code == 200
    api_client.credentials()
    assert post_refresh(api_client, tokens["refresh_token"]).status_code == 200
