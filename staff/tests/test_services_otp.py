"""OTP internals (the API behaviour is in test_api_otp.py)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from staff.exceptions import OTPAttemptsExceeded, OTPNotFound, OTPWrong
from staff.otp import services as otp

pytestmark = pytest.mark.django_db


@pytest.fixture
def otp_settings(settings):
    settings.OTP_TTL = 300
    settings.OTP_MAX_ATTEMPTS = 3
    settings.OTP_RESEND_COOLDOWN = 0
    return settings


def test_otp_stores_only_an_hmac(otp_settings):
    # "zebra" has letters no hex digest contains, so the key can't hold it by chance.
    result = otp.otp_generate(ident="zebra")
    code_key, attempts_key, _ = otp._otp_keys("zebra")
    stored = cache.get(code_key)
    assert len(result.code) == 6 and result.code.isdigit()
    assert stored != result.code and result.code not in stored
    assert stored == otp._hmac("otp-code", "zebra", result.code)
    assert "zebra" not in code_key
    assert cache.get(attempts_key) == 0


def test_otp_hmac_depends_on_the_secret_key(otp_settings):
    before = otp._hmac("otp-code", "1", "123456")
    otp_settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"
    assert otp._hmac("otp-code", "1", "123456") != before


def test_otp_codes_are_six_digits_from_secrets(otp_settings, monkeypatch):
    monkeypatch.setattr(otp.secrets, "randbelow", lambda n: 42)
    assert otp.otp_generate(ident="x").code == "000042"


def test_otp_verify_sequence_on_the_service(otp_settings):
    code = otp.otp_generate(ident="7").code
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(3):
        with pytest.raises(OTPWrong):
            otp.otp_verify(ident="7", code=wrong)
    with pytest.raises(OTPAttemptsExceeded):
        otp.otp_verify(ident="7", code=code)
    with pytest.raises(OTPNotFound):
        otp.otp_verify(ident="7", code=code)


def test_otp_attempt_counter_is_cleared_on_success(otp_settings):
    code = otp.otp_generate(ident="9").code
    _, attempts_key, _ = otp._otp_keys("9")
    with pytest.raises(OTPWrong):
        otp.otp_verify(ident="9", code="9999999")
    assert cache.get(attempts_key) == 1
    otp.otp_verify(ident="9", code=code)
    assert cache.get(attempts_key) is None


def test_otp_code_without_its_counter_counts_as_reset(otp_settings):
    """Eviction (or a concurrent reset) of the counter must not hand out fresh attempts."""
    code = otp.otp_generate(ident="5").code
    _, attempts_key, _ = otp._otp_keys("5")
    cache.delete(attempts_key)
    with pytest.raises(OTPNotFound):
        otp.otp_verify(ident="5", code=code)
