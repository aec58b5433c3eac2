"""staff's management commands through call_command: what they delete, what they keep, and that a
second run finds nothing to do."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework_simplejwt.settings import api_settings as jwt_settings

from staff.models import TokenFamily
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def family(user, key: str, *, idle: timedelta) -> TokenFamily:
    row = TokenFamily.objects.create(id=key, user=user)
    TokenFamily.objects.filter(pk=key).update(updated_at=timezone.now() - idle)
    return row


def flush() -> str:
    out = StringIO()
    call_command("flush_token_families", stdout=out)
    return out.getvalue().strip()


def test_flush_token_families_deletes_idle_logins_only_and_a_second_run_finds_none():
    user = UserFactory()
    lifetime = jwt_settings.REFRESH_TOKEN_LIFETIME
    family(user, "expired", idle=lifetime + timedelta(minutes=1))
    family(user, "active", idle=lifetime - timedelta(minutes=1))
    assert flush() == "Deleted 1 expired token families."
    assert list(TokenFamily.objects.values_list("id", flat=True)) == ["active"]
    assert flush() == "Deleted 0 expired token families."
    assert TokenFamily.objects.filter(pk="active").exists()


def test_flush_token_families_keeps_a_revoked_login_until_its_tokens_expire():
    """Revoked but recent: its tokens are refused by the revocation, the row stays until expiry."""
    row = family(UserFactory(), "revoked", idle=timedelta(0))
    TokenFamily.objects.filter(pk=row.pk).update(revoked_at=timezone.now(), revoke_reason="logout")
    assert flush() == "Deleted 0 expired token families."
    assert TokenFamily.objects.filter(pk="revoked").exists()
