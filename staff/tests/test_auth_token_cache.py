"""Bearer tokens are verified once per process; expiry and revocation are still checked per request."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework_simplejwt.backends import TokenBackend

from staff.auth import authentication
from staff.auth.services import tokens_issue
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_token_cache():
    authentication._verified_token.cache_clear()
    yield
    authentication._verified_token.cache_clear()


def _bearer(api_client, token: str):
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return api_client


def test_the_signature_is_checked_once_per_token(api_client, monkeypatch):
    token = tokens_issue(user=UserFactory())["access_token"]
    calls = []
    real = TokenBackend.decode
    monkeypatch.setattr(TokenBackend, "decode", lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    client = _bearer(api_client, token)
    assert client.get(reverse("auth-me")).status_code == 200
    assert client.get(reverse("auth-me")).status_code == 200
    assert len(calls) == 1


def test_a_cached_token_still_expires(api_client, monkeypatch):
    issued = tokens_issue(user=UserFactory())
    client = _bearer(api_client, issued["access_token"])
    assert client.get(reverse("auth-me")).status_code == 200
    expires = authentication._verified_token(issued["access_token"])["exp"]
    monkeypatch.setattr(authentication.time, "time", lambda: expires + 1)
    response = client.get(reverse("auth-me"))
    assert response.status_code == 401
    assert response.json()["detail"] == "Token is expired"


def test_a_cached_token_is_still_revoked_by_logout(api_client):
    issued = tokens_issue(user=UserFactory())
    client = _bearer(api_client, issued["access_token"])
    assert client.get(reverse("auth-me")).status_code == 200
    assert client.post(reverse("auth-logout"), {}).status_code == 200
    assert client.get(reverse("auth-me")).status_code == 401


def test_a_tampered_token_is_never_cached(api_client):
    token = tokens_issue(user=UserFactory())["access_token"]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for _ in range(2):
        assert _bearer(api_client, tampered).get(reverse("auth-me")).status_code == 401
    assert authentication._verified_token.cache_info().currsize == 0
