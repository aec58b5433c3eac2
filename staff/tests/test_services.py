"""Service functions used by both the API and the admin: positions, staff records, OTP internals."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from staff import services
from staff.exceptions import (
    InvalidPosition,
    OTPAttemptsExceeded,
    OTPNotFound,
    OTPWrong,
    PositionInUse,
    StaffInUse,
)
from staff.models import Position, User
from staff.tests.factories import PositionFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_position_create_update_delete():
    position = services.position_create(name="Teknisi", description="")
    services.position_update(position=position, description="Perawatan mesin")
    position.refresh_from_db()
    assert (position.name, position.description) == ("Teknisi", "Perawatan mesin")
    services.position_delete(position=position)
    assert not Position.objects.filter(pk=position.pk).exists()


def test_position_delete_in_use_is_refused_not_cascaded():
    position = PositionFactory()
    user = UserFactory(position=position)
    with pytest.raises(PositionInUse) as exc:
        services.position_delete(position=position)
    assert exc.value.status_code == 409
    assert "1 user" in exc.value.detail
    assert Position.objects.filter(pk=position.pk).exists()
    assert User.objects.filter(pk=user.pk).exists()


def test_staff_create_has_no_usable_password_and_a_unique_username():
    position = PositionFactory()
    first = services.staff_create(full_name="John Doe", position_id=position.pk)
    second = services.staff_create(full_name="John Doe", position_id=position.pk)
    assert first.username == "john.doe"
    assert second.username.startswith("john.doe.") and second.username != first.username
    assert not first.has_usable_password()
    assert first.position_id == position.pk
    assert first.groups.count() == 0


def test_staff_create_with_a_name_that_slugifies_to_nothing():
    user = services.staff_create(full_name="\uff01\uff01", position_id=PositionFactory().pk)
    assert user.username == "staff"


def test_staff_create_unknown_position():
    with pytest.raises(InvalidPosition) as exc:
        services.staff_create(full_name="X", position_id=999999)
    assert exc.value.detail == "jabatan tidak valid"
    assert not User.objects.filter(full_name="X").exists()


def test_staff_update_changes_only_given_fields():
    user = UserFactory(full_name="Siti", address="Jl. Lama", phone="081111111111")
    new_position = PositionFactory()
    services.staff_update(user=user, data={"address": "Jl. Baru", "position_id": new_position.pk})
    user.refresh_from_db()
    assert (user.full_name, user.address, user.phone, user.position_id) == (
        "Siti",
        "Jl. Baru",
        "081111111111",
        new_position.pk,
    )


def test_staff_update_refuses_unknown_position_and_unknown_fields():
    user = UserFactory()
    with pytest.raises(InvalidPosition):
        services.staff_update(user=user, data={"position_id": 999999})
    with pytest.raises(ValueError):
        services.staff_update(user=user, data={"is_superuser": True})


def test_staff_delete():
    user = UserFactory()
    services.staff_delete(user=user)
    assert not User.objects.filter(pk=user.pk).exists()


def test_staff_delete_protected_reference_is_a_conflict(monkeypatch):
    from django.db.models import ProtectedError

    user = UserFactory()

    def refuse(*args, **kwargs):
        raise ProtectedError("still referenced", set())

    monkeypatch.setattr(User, "delete", refuse)
    with pytest.raises(StaffInUse):
        services.staff_delete(user=user)


# --- OTP internals (the API behaviour is in test_api_otp.py) ---------------------------------------
@pytest.fixture
def otp_settings(settings):
    settings.OTP_TTL = 300
    settings.OTP_MAX_ATTEMPTS = 3
    settings.OTP_RESEND_COOLDOWN = 0
    return settings


def test_otp_stores_only_an_hmac(otp_settings):
    result = services.otp_generate(ident="abc")
    code_key, attempts_key, _ = services._otp_keys("abc")
    stored = cache.get(code_key)
    assert len(result.code) == 6 and result.code.isdigit()
    assert stored != result.code and result.code not in stored
    assert stored == services._hmac("otp-code", "abc", result.code)
    assert "abc" not in code_key
    assert cache.get(attempts_key) == 0


def test_otp_hmac_depends_on_the_secret_key(otp_settings):
    before = services._hmac("otp-code", "1", "123456")
    otp_settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert services._hmac("otp-code", "1", "123456") != before


def test_otp_codes_are_six_digits_from_secrets(otp_settings, monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda n: 42)
    assert services.otp_generate(ident="x").code == "000042"


def test_otp_verify_sequence_on_the_service(otp_settings):
    code = services.otp_generate(ident="7").code
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(OTPWrong):
            services.otp_verify(ident="7", code=wrong)
    with pytest.raises(OTPAttemptsExceeded):
        services.otp_verify(ident="7", code=code)
    with pytest.raises(OTPNotFound):
        services.otp_verify(ident="7", code=code)


def test_otp_attempt_counter_is_cleared_on_success(otp_settings):
    code = services.otp_generate(ident="9").code
    _, attempts_key, _ = services._otp_keys("9")
    with pytest.raises(OTPWrong):
        services.otp_verify(ident="9", code="9999999")
    assert cache.get(attempts_key) == 1
    services.otp_verify(ident="9", code=code)
    assert cache.get(attempts_key) is None


def test_otp_code_without_its_counter_counts_as_reset(otp_settings):
    """Eviction (or a concurrent reset) of the counter must not hand out fresh attempts."""
    code = services.otp_generate(ident="5").code
    _, attempts_key, _ = services._otp_keys("5")
    cache.delete(attempts_key)
    with pytest.raises(OTPNotFound):
        services.otp_verify(ident="5", code=code)
