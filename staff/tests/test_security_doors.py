"""Issue 8, "doors without a lock": every password door shares per-IP and per-account limits and a
progressive lockout; one canonical identity per account; OTP ids without padding variants.

Before the fix: the admin login, the browsable API's login and the password change had no limit at
all; other spellings of a name (and the e-mail) had their own per-username bucket; `08` was a new
OTP id beside `8`.
"""

from __future__ import annotations

import pytest
from django.apps import apps as global_apps
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from staff.models import User
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LONG_S = "\u017f"  # long s: NFKC makes it "s"
DOTLESS_I = "\u0131"  # dotless i: PostgreSQL's UPPER makes it "I", casefold keeps it


def api_login(client, username: str, password: str = TEST_PASSWORD, **extra):
    return client.post(reverse("auth-login"), {"username": username, "password": password}, **extra)


def admin_login(client: Client, username: str, password: str = TEST_PASSWORD, **extra):
    return client.post("/admin/login/", {"username": username, "password": password}, **extra)


def logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- the admin login -----------------------------------------------------------------------------
def test_admin_login_is_throttled_per_ip(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN_IP = "3/min"
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    for i in range(3):
        assert admin_login(client, f"guess{i}", "wrong").status_code == 200
    response = admin_login(client, "root")
    assert response.status_code == 200
    assert not logged_in(client)
    assert "Too many login attempts" in response.content.decode()


def test_admin_login_is_throttled_per_account_across_ips(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "3/min"
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    for i in range(3):
        admin_login(client, "root", "wrong", REMOTE_ADDR=f"10.0.0.{i}")
    admin_login(client, "root", REMOTE_ADDR="10.0.0.50")
    assert not logged_in(client)
    # Another account from another IP is not affected.
    UserFactory(username="other", is_staff=True)
    admin_login(client, "other", REMOTE_ADDR="10.0.0.51")
    assert logged_in(client)


def test_admin_and_api_share_the_per_account_budget(api_client, settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "3/min"
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for i in range(3):
        api_login(api_client, "root", "wrong", REMOTE_ADDR=f"10.1.0.{i}")
    client = Client()
    admin_login(client, "root", REMOTE_ADDR="10.1.0.99")
    assert not logged_in(client)


def test_browsable_api_login_is_throttled(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "3/min"
    UserFactory(username="dave")
    client = Client()
    for _ in range(3):
        client.post("/api-auth/login/", {"username": "dave", "password": "wrong"})
    client.post("/api-auth/login/", {"username": "dave", "password": TEST_PASSWORD})
    assert not logged_in(client)


def test_admin_login_still_works_within_the_limits():
    UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    assert admin_login(client, "root").status_code == 302
    assert logged_in(client)


# --- the password change -------------------------------------------------------------------------
def change_password(client: Client, old: str, new: str = "N3w-Passw0rd-x", **extra):
    return client.post(
        "/admin/password_change/",
        {"old_password": old, "new_password1": new, "new_password2": new},
        **extra,
    )


def test_admin_password_change_is_throttled(settings, frozen_throttle_clock):
    settings.THROTTLE_LOGIN = "3/min"
    user = UserFactory(username="staffer", is_staff=True)
    client = Client()
    client.force_login(user)
    for _ in range(3):
        assert "incorrectly" in change_password(client, "wrong").content.decode()
    response = change_password(client, TEST_PASSWORD)
    assert response.status_code == 200
    assert "Too many login attempts" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(TEST_PASSWORD)


def test_admin_password_change_works_and_keeps_the_changers_session():
    user = UserFactory(username="staffer", is_staff=True)
    client = Client()
    client.force_login(user)
    assert change_password(client, TEST_PASSWORD).status_code == 302
    user.refresh_from_db()
    assert user.check_password("N3w-Passw0rd-x")
    assert client.get("/admin/").status_code == 200


# --- progressive lockout per account -------------------------------------------------------------
def test_lockout_after_failures_refuses_even_the_right_password(api_client, settings):
    settings.LOGIN_LOCKOUT_AFTER = 3
    settings.LOGIN_LOCKOUT_BASE = 60
    UserFactory(username="dave")
    statuses = [
        api_login(api_client, "dave", "wrong", REMOTE_ADDR=f"10.2.0.{i}").status_code for i in range(3)
    ]
    assert statuses == [401, 401, 401]
    response = api_login(api_client, "dave", REMOTE_ADDR="10.2.0.200")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60


def test_lockout_doubles_with_each_further_failure(settings, monkeypatch):
    from staff.auth import lockout
    from staff.exceptions import LoginThrottled

    settings.LOGIN_LOCKOUT_AFTER = 2
    settings.LOGIN_LOCKOUT_BASE = 10
    settings.LOGIN_LOCKOUT_MAX = 25
    now = [1_900_000_000.0]
    monkeypatch.setattr(lockout.time, "time", lambda: now[0])
    waits = []
    for _ in range(4):
        lockout.password_failed(key="u42")
        try:
            lockout.lockout_check(key="u42")
        except LoginThrottled as exc:
            waits.append(exc.retry_after)
        else:
            waits.append(0)
    assert waits == [0, 10, 20, 25]
    now[0] += 26
    lockout.lockout_check(key="u42")
    lockout.password_succeeded(key="u42")
    lockout.password_failed(key="u42")
    lockout.lockout_check(key="u42")


def test_lockout_covers_the_admin_door_too(api_client, settings):
    settings.LOGIN_LOCKOUT_AFTER = 2
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for _ in range(2):
        api_login(api_client, "root", "wrong")
    client = Client()
    response = admin_login(client, "root", REMOTE_ADDR="10.3.0.1")
    assert not logged_in(client)
    assert "Too many login attempts" in response.content.decode()


def test_a_success_resets_the_failure_count(api_client, settings):
    settings.LOGIN_LOCKOUT_AFTER = 3
    UserFactory(username="dave")
    for _ in range(2):
        api_login(api_client, "dave", "wrong")
    assert api_login(api_client, "dave").status_code == 200
    for _ in range(2):
        api_login(api_client, "dave", "wrong")
    assert api_login(api_client, "dave").status_code == 200


# --- one account, one bucket ---------------------------------------------------------------------
@pytest.mark.parametrize("spelling", [f"{LONG_S}is2", "SIS2", "sis2@example.com", "SIS2@EXAMPLE.COM"])
def test_every_spelling_and_the_email_share_the_accounts_bucket(
    api_client, settings, frozen_throttle_clock, spelling
):
    settings.THROTTLE_LOGIN = "3/min"
    UserFactory(username="sis2", email="sis2@example.com")
    for i in range(3):
        api_login(api_client, "sis2", "wrong", REMOTE_ADDR=f"10.4.0.{i}")
    assert api_login(api_client, "sis2", REMOTE_ADDR="10.4.0.100").status_code == 429
    assert api_login(api_client, spelling, REMOTE_ADDR="10.4.0.101").status_code == 429


def test_a_confusable_spelling_never_logs_into_the_account(api_client):
    UserFactory(username="sis2")
    assert api_login(api_client, f"{LONG_S}{DOTLESS_I}{LONG_S}2").status_code == 401
    assert api_login(api_client, f"s{DOTLESS_I}s2").status_code == 401
    assert api_login(api_client, f"{LONG_S}IS2").status_code == 200


def test_usernames_are_stored_canonically():
    user = User.objects.create_user(username=f"{LONG_S}Is2", email="x@example.com", password=TEST_PASSWORD)
    assert user.username == "sis2"
    assert User.objects.get_by_natural_key("SIS2") == user
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create_user(username="sis2", email="y@example.com")


def test_register_refuses_another_spelling_of_a_taken_name(api_client):
    UserFactory(username="sis2")
    body = {"username": f"{LONG_S}is2", "email": "new@example.com", "password": "Str0ng-Passw0rd"}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 400
    assert User.objects.filter(email="new@example.com").count() == 0


def test_register_stores_the_canonical_name(api_client):
    body = {"username": "Alice.Smith", "email": "alice@example.com", "password": "Str0ng-Passw0rd"}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 201
    assert response.json()["username"] == "alice.smith"


def test_admin_creates_canonical_usernames():
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/staff/user/add/",
        {
            "username": "NewGuy",
            "password1": "N3w-Passw0rd-x",
            "password2": "N3w-Passw0rd-x",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert User.objects.filter(username="newguy").exists()


def test_migration_canonicalises_existing_usernames_and_renames_collisions():
    from importlib import import_module

    migration = import_module("staff.migrations.0006_token_families_and_canonical_usernames")
    first = UserFactory(username="sis2")
    second = UserFactory(username="other")
    third = UserFactory(username="third")
    User.objects.filter(pk=second.pk).update(username="MiXeD")
    User.objects.filter(pk=third.pk).update(username=f"{LONG_S}is2")
    migration.canonicalise_usernames(global_apps, None)
    names = dict(User.objects.values_list("pk", "username"))
    assert names[first.pk] == "sis2"
    assert names[second.pk] == "mixed"
    assert names[third.pk] == f"sis2-{third.pk}"


# --- OTP ids -------------------------------------------------------------------------------------
@pytest.mark.parametrize("variant", ["08", "008", "0" * 63 + "8"])
def test_padded_otp_ids_share_the_cooldown_of_the_integer(api_client, settings, variant):
    settings.OTP_RETURN_CODE = True
    assert api_client.post(reverse("otp-generate"), {"id": 8}).status_code == 200
    assert api_client.post(reverse("otp-generate"), {"id": variant}).status_code == 429


def test_padded_otp_id_verifies_the_integers_code(api_client, settings):
    settings.OTP_RETURN_CODE = True
    code = api_client.post(reverse("otp-generate"), {"id": "0008"}).json()["otp"]
    assert api_client.post(reverse("otp-verify"), {"id": 8, "otp": code}).status_code == 200


def test_padded_otp_ids_email_the_user_once(api_client, settings, mailoutbox):
    settings.OTP_RETURN_CODE = False
    user = UserFactory(email="eight@example.com")
    statuses = [
        api_client.post(reverse("otp-generate"), {"id": f"{'0' * n}{user.pk}"}).status_code for n in range(5)
    ]
    assert statuses == [200, 429, 429, 429, 429]
    assert len(mailoutbox) == 1


def test_register_refuses_a_name_whose_canonical_form_is_too_long(api_client):
    """One Arabic ligature is 18 letters under NFKC: nine of them would overflow the column."""
    body = {"username": "\ufdfa" * 9, "email": "lig@example.com", "password": "Str0ng-Passw0rd"}
    response = api_client.post(reverse("auth-register"), body)
    assert response.status_code == 400
    assert "username" in response.json()


def test_admin_form_refuses_a_name_whose_canonical_form_is_too_long():
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin_user)
    response = client.post(
        "/admin/staff/user/add/",
        {
            "username": "\ufdfa" * 10,
            "password1": "N3w-Passw0rd-x",
            "password2": "N3w-Passw0rd-x",
            "usable_password": "true",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(username__startswith="\u0635").exists()


def test_admin_action_resets_a_lockout(api_client, settings):
    settings.LOGIN_LOCKOUT_AFTER = 2
    dave = UserFactory(username="dave")
    for _ in range(2):
        api_login(api_client, "dave", "wrong")
    assert api_login(api_client, "dave").status_code == 429
    admin_client = Client()
    admin_client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = admin_client.post(
        "/admin/staff/user/", {"action": "reset_login_lockout", "_selected_action": [dave.pk]}, follow=True
    )
    assert "1 user unlocked" in response.content.decode()
    assert api_login(api_client, "dave").status_code == 200
