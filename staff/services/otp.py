"""One-time passwords on the cache: HMAC-stored codes, atomic single use, attempt limit, cooldown."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.mail import send_mail

from staff.exceptions import (
    OTPAttemptsExceeded,
    OTPCooldown,
    OTPDeliveryFailed,
    OTPNotFound,
    OTPWrong,
)
from staff.models import User

# Keys hold an HMAC of the id, so the cache never shows which ids are being verified and any id
# (up to 64 characters of anything) makes a well-formed key.
_OTP_LOG = logging.getLogger("staff.otp")


@dataclass(frozen=True)
class OTPResult:
    """What a generate produced: the code (for the caller to return or not) and how it went out."""

    code: str
    emailed: bool


def _hmac(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _otp_keys(ident: str) -> tuple[str, str, str]:
    digest = _hmac("otp-id", ident)[:40]
    return f"otp:code:{digest}", f"otp:att:{digest}", f"otp:cool:{digest}"


def _cooldown_remaining(key: str) -> int:
    until = cache.get(key)
    if until is None:
        return 0
    return max(1, math.ceil(until - time.time()))


def _otp_email(ident: str) -> str:
    """The email of the active user this id names, if any (ids that are not user ids have none)."""
    if not ident.isascii() or not ident.isdigit() or not 0 < int(ident) < 2**63:
        return ""
    email = User.objects.filter(pk=int(ident), is_active=True).values_list("email", flat=True).first()
    return email or ""


def otp_generate(*, ident: str, client_ip: str = "", deliver: bool = False) -> OTPResult:
    """Issue a fresh 6-digit code for `ident`, replacing any earlier one and resetting its attempts.

    Only an HMAC of the code is stored. A per-id cooldown (OTP_RESEND_COOLDOWN) bounds how often
    codes can be re-rolled; with `deliver`, the code is emailed when the id is a user with an email.
    """
    code_key, attempts_key, cooldown_key = _otp_keys(ident)
    cooldown = int(settings.OTP_RESEND_COOLDOWN)
    if cooldown > 0 and not cache.add(cooldown_key, time.time() + cooldown, timeout=cooldown):
        retry_after = _cooldown_remaining(cooldown_key) or 1
        _OTP_LOG.warning(
            "otp generate id=%r ip=%s outcome=cooldown retry_after=%s", ident, client_ip, retry_after
        )
        raise OTPCooldown(retry_after=retry_after)
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = int(settings.OTP_TTL)
    # Counter first: a code never exists without its counter, so a missing counter means "reset".
    cache.set_many({attempts_key: 0, code_key: _hmac("otp-code", ident, code)}, timeout=ttl)
    emailed = False
    if deliver:
        email = _otp_email(ident)
        if email:
            try:
                send_mail(
                    "Kode OTP",
                    f"Kode OTP Anda: {code}. Berlaku {max(1, ttl // 60)} menit. Jangan bagikan kode ini.",
                    settings.DEFAULT_FROM_EMAIL,
                    [email],
                )
            except Exception as exc:
                _OTP_LOG.error(
                    "otp generate id=%r ip=%s outcome=delivery_failed error=%s", ident, client_ip, exc
                )
                raise OTPDeliveryFailed() from exc
            emailed = True
    _OTP_LOG.info("otp generate id=%r ip=%s outcome=issued emailed=%s", ident, client_ip, emailed)
    return OTPResult(code=code, emailed=emailed)


def otp_verify(*, ident: str, code: str, client_ip: str = "") -> None:
    """Accept the current code for `ident` once; raise 404/400/429 domain errors otherwise.

    Consumption is one atomic `cache.delete`, which only one caller can win, so concurrent correct
    verifies yield exactly one success. Wrong guesses are counted atomically (`incr`) before the
    answer goes out, so a burst of guesses gets at most OTP_MAX_ATTEMPTS plain "wrong" answers.
    """
    code_key, attempts_key, cooldown_key = _otp_keys(ident)
    found = cache.get_many([code_key, attempts_key])
    stored, failures = found.get(code_key), found.get(attempts_key)
    if stored is None or failures is None:
        # No code, or its counter was evicted/reset: either way there is no code to try against.
        _OTP_LOG.info("otp verify id=%r ip=%s outcome=not_found", ident, client_ip)
        raise OTPNotFound()
    max_attempts = int(settings.OTP_MAX_ATTEMPTS)
    if hmac.compare_digest(stored, _hmac("otp-code", ident, code)):
        if failures < max_attempts:
            if cache.delete(code_key):
                cache.delete(attempts_key)
                _OTP_LOG.info("otp verify id=%r ip=%s outcome=verified", ident, client_ip)
                return
            _OTP_LOG.info("otp verify id=%r ip=%s outcome=already_used", ident, client_ip)
            raise OTPNotFound()
    else:
        try:
            failures = cache.incr(attempts_key) - 1
        except ValueError:
            # A concurrent verify reset this code (lockout or success) after we read it.
            _OTP_LOG.info("otp verify id=%r ip=%s outcome=not_found", ident, client_ip)
            raise OTPNotFound() from None
        if failures < max_attempts:
            _OTP_LOG.warning(
                "otp verify id=%r ip=%s outcome=wrong attempt=%s", ident, client_ip, failures + 1
            )
            raise OTPWrong()
    cache.delete_many([code_key, attempts_key])
    _OTP_LOG.warning("otp verify id=%r ip=%s outcome=locked_out", ident, client_ip)
    raise OTPAttemptsExceeded(retry_after=_cooldown_remaining(cooldown_key) or 1)
