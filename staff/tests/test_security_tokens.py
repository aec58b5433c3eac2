"""Issue 8, "sessions that really end": a login is a token family; logout, refresh-token reuse, a
password change and "log out everywhere" end what they should, across a cache flush where promised.

Before the fix each case below left a token working.
"""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from staff.auth import services as auth
from staff.models import TokenFamily, User
from staff.tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def login(username: str) -> dict:
    response = APIClient().post(reverse("auth-login"), {"username": username, "password": TEST_PASSWORD})
    assert response.status_code == 200
    return response.json()


def refresh(token: str):
    return APIClient().post(reverse("auth-refresh"), {"refresh_token": token})


def me(access: str) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.get(reverse("auth-me")).status_code


def logout(access: str, body: dict | None = None) -> int:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {access}")
    return client.post(reverse("auth-logout"), body or {}).status_code


def test_every_token_of_one_login_carries_one_family_id():
    user = UserFactory()
    first = login(user.username)
    second = refresh(first["refresh_token"]).json()
    third = refresh(second["refresh_token"]).json()
    families = {AccessToken(pair["access_token"])["fam"] for pair in (first, second, third)} | {
        RefreshToken(third["refresh_token"])["fam"]
    }
    assert len(families) == 1
    assert TokenFamily.objects.filter(user=user, pk=families.pop(), revoked_at__isnull=True).exists()
    assert (
        AccessToken(login(user.username)["access_token"])["fam"] != AccessToken(first["access_token"])["fam"]
    )


def test_logout_with_the_newer_access_token_ends_the_earlier_one():
    user = UserFactory()
    first = login(user.username)
    second = refresh(first["refresh_token"]).json()
    assert logout(second["access_token"]) == 200
    assert me(first["access_token"]) == 401
    assert me(second["access_token"]) == 401


def test_logout_with_the_older_access_token_ends_the_current_refresh_token():
    user = UserFactory()
    first = login(user.username)
    second = refresh(first["refresh_token"]).json()
    assert logout(first["access_token"]) == 200
    assert refresh(second["refresh_token"]).status_code == 401
    assert me(second["access_token"]) == 401


def test_logout_ends_only_that_login():
    user = UserFactory()
    phone, laptop = login(user.username), login(user.username)
    assert logout(phone["access_token"]) == 200
    assert me(laptop["access_token"]) == 200
    assert refresh(laptop["refresh_token"]).status_code == 200


def test_reuse_of_a_rotated_refresh_token_revokes_the_family():
    user = UserFactory()
    first = login(user.username)
    second = refresh(first["refresh_token"]).json()
    third = refresh(second["refresh_token"]).json()
    assert refresh(first["refresh_token"]).status_code == 401
    assert refresh(third["refresh_token"]).status_code == 401
    for pair in (first, second, third):
        assert me(pair["access_token"]) == 401
    family = TokenFamily.objects.get(pk=AccessToken(first["access_token"])["fam"])
    assert family.revoke_reason == "reuse"


def test_a_forged_reused_token_revokes_nothing():
    """Only a genuinely signed (blacklisted) refresh token triggers reuse detection."""
    user = UserFactory()
    pair = login(user.username)
    fam = RefreshToken(pair["refresh_token"])["fam"]
    header, payload, _sig = pair["refresh_token"].split(".")
    assert refresh(f"{header}.{payload}.AAAA").status_code == 401
    assert TokenFamily.objects.get(pk=fam).revoked_at is None
    assert me(pair["access_token"]) == 200


def test_logout_survives_a_cache_flush_for_refresh_tokens():
    user = UserFactory()
    first = login(user.username)
    second = refresh(first["refresh_token"]).json()
    assert logout(first["access_token"]) == 200
    cache.clear()
    assert refresh(second["refresh_token"]).status_code == 401


def test_password_change_ends_every_login_of_the_user():
    user = UserFactory(username="staffer", is_staff=True)
    one, two = login("staffer"), login("staffer")
    two_rotated = refresh(two["refresh_token"]).json()
    client = Client()
    client.force_login(user)
    response = client.post(
        "/admin/password_change/",
        {"old_password": TEST_PASSWORD, "new_password1": "N3w-Passw0rd-x", "new_password2": "N3w-Passw0rd-x"},
    )
    assert response.status_code == 302
    for pair in (one, two_rotated):
        assert me(pair["access_token"]) == 401
        assert refresh(pair["refresh_token"]).status_code == 401
    fresh = APIClient().post(reverse("auth-login"), {"username": "staffer", "password": "N3w-Passw0rd-x"})
    assert me(fresh.json()["access_token"]) == 200


def test_set_password_in_code_also_ends_every_login():
    user = UserFactory()
    pair = login(user.username)
    user.set_password("An0ther-Passw0rd")
    user.save()
    assert me(pair["access_token"]) == 401
    assert refresh(pair["refresh_token"]).status_code == 401


def test_log_out_everywhere_survives_a_cache_flush_for_access_tokens_too():
    user = UserFactory()
    pair = login(user.username)
    auth.tokens_revoke_user(user=user, actor=None)
    cache.clear()
    assert me(pair["access_token"]) == 401
    assert refresh(pair["refresh_token"]).status_code == 401
    assert User.objects.get(pk=user.pk).token_generation == 1


def test_admin_action_logs_a_user_out_everywhere_including_admin_sessions():
    admin_user = UserFactory(username="root", is_staff=True, is_superuser=True)
    victim = UserFactory(username="victim", is_staff=True)
    pair = login("victim")
    victim_session = Client()
    victim_session.force_login(victim)
    assert victim_session.get("/admin/").status_code == 200

    admin_client = Client()
    admin_client.force_login(admin_user)
    response = admin_client.post(
        "/admin/staff/user/", {"action": "logout_everywhere", "_selected_action": [victim.pk]}, follow=True
    )
    assert "1 user logged out everywhere" in response.content.decode()
    assert me(pair["access_token"]) == 401
    assert refresh(pair["refresh_token"]).status_code == 401
    assert victim_session.get("/admin/").status_code == 302
    assert admin_client.get("/admin/").status_code == 200


def test_log_out_everywhere_refuses_a_superuser_for_management():
    from django.contrib.auth.models import Group

    manager = UserFactory(username="mgr2", is_staff=True)
    manager.groups.add(Group.objects.get(name="Management"))
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    pair = login("root")
    client = Client()
    client.force_login(manager)
    response = client.post(
        "/admin/staff/user/", {"action": "logout_everywhere", "_selected_action": [root.pk]}, follow=True
    )
    assert "refused" in response.content.decode()
    assert me(pair["access_token"]) == 200


def test_tokens_issued_before_families_are_refused():
    """Issue 15 (finding 4): a refresh token without `fam`/`tgen` (issued before token families, so
    no logout could reach it, and shown in the admin) no longer refreshes; it used to start a family."""
    user = UserFactory()
    legacy = RefreshToken.for_user(user)
    response = refresh(str(legacy))
    assert response.status_code == 401
    assert not TokenFamily.objects.filter(user=user).exists()


def _race(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results: list = []
    lock = threading.Lock()

    def worker(i: int) -> None:
        try:
            barrier.wait()
            result = fn(i)
            with lock:
                results.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_refreshes_of_one_token_are_a_reuse_and_end_the_family():
    """Eight clients present one refresh token at once: one rotation wins, the rest are reuses,
    so the family is revoked and even the winner's new refresh token is refused."""
    user = UserFactory()
    pair = login(user.username)
    responses = _race(8, lambda i: refresh(pair["refresh_token"]))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [401] * 7
    winner = next(r for r in responses if r.status_code == 200).json()
    assert refresh(winner["refresh_token"]).status_code == 401
    assert TokenFamily.objects.get(pk=AccessToken(pair["access_token"])["fam"]).revoke_reason == "reuse"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_log_out_everywhere_counts_every_call():
    user = UserFactory()
    _race(6, lambda i: auth.tokens_revoke_user(user=User.objects.get(pk=user.pk), actor=None))
    assert User.objects.get(pk=user.pk).token_generation == 6


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_registration_of_two_spellings_creates_one_account():
    spellings = ["sis2", "\u017fis2", "SIS2", "\u017fIS2"]
    body = {"email": "e{}@example.com", "password": "Str0ng-Passw0rd"}

    def register(i: int) -> int:
        data = {
            "username": spellings[i % len(spellings)],
            "email": body["email"].format(i),
            "password": body["password"],
        }
        return APIClient().post(reverse("auth-register"), data).status_code

    statuses = _race(8, register)
    assert statuses.count(201) == 1
    assert User.objects.filter(username="sis2").count() == 1


def test_flush_deletes_only_families_past_a_refresh_lifetime(settings):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    user = UserFactory()
    old, recent = login(user.username), login(user.username)
    old_fam = AccessToken(old["access_token"])["fam"]
    TokenFamily.objects.filter(pk=old_fam).update(updated_at=timezone.now() - timedelta(days=8))
    # A refresh marks the family as used, so a long-lived but active login is kept.
    refresh(recent["refresh_token"])
    call_command("flush_token_families")
    assert not TokenFamily.objects.filter(pk=old_fam).exists()
    assert TokenFamily.objects.filter(pk=AccessToken(recent["access_token"])["fam"]).exists()


def test_authenticate_without_a_request_counts_the_account_only():
    from django.contrib.auth import authenticate

    user = UserFactory(username="script")
    assert authenticate(None, username="SCRIPT", password=TEST_PASSWORD) == user


def test_a_record_cached_before_token_generations_is_rebuilt():
    from staff.auth import authz

    user = UserFactory()
    pair = login(user.username)
    auth.tokens_revoke_user(user=user, actor=None)
    fresh = login(user.username)
    record = authz.build_record(user.pk, authz.current_generation(cache.get(authz.GENERATION_KEY)))
    del record["tgen"]
    cache.set(authz.record_key(user.pk), record)
    assert me(fresh["access_token"]) == 200
    assert me(pair["access_token"]) == 401
