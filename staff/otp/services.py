"""One-time passwords on the cache: HMAC-stored codes, atomic single use, attempt limit, cooldown."""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import secrets
import time
import weakref
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from django.core.mail import send_mail

from config import metrics
from config.cache import security_alias
from config.cache import security_cache as cache
from config.limits import parse_id
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
class IPWindow:
    """A per-client-IP throttle window for the Redis script to count in the same round trip."""

    key: str
    limit: int
    ttl: int


class IPWindowFull(Exception):
    """The client IP's window is over its limit (raised before any OTP key is touched)."""

    def __init__(self, count: int) -> None:
        super().__init__(count)
        self.count = count


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


class _CacheStore:
    """Any Django cache: each step is one atomic cache call (add, set_many, get_many, incr, delete)."""

    def issue(self, keys: tuple[str, str, str], code_hmac: str, ttl: int, cooldown: int) -> int:
        """Store a fresh code; the cooldown's remaining seconds (>0) instead when it is running."""
        code_key, attempts_key, cooldown_key = keys
        if cooldown > 0 and not cache.add(cooldown_key, time.time() + cooldown, timeout=cooldown):
            return _cooldown_remaining(cooldown_key) or 1
        # Counter first: a code never exists without its counter, so a missing counter means "reset".
        cache.set_many({attempts_key: 0, code_key: code_hmac}, timeout=ttl)
        return 0

    def check(self, keys: tuple[str, str, str], code_hmac: str, max_attempts: int) -> tuple[str, int]:
        """(outcome, n): "verified", "wrong" (n = this failure's number), "not_found",
        "already_used" or "locked_out" (n = seconds until a new code may be generated)."""
        code_key, attempts_key, cooldown_key = keys
        found = cache.get_many([code_key, attempts_key])
        stored, failures = found.get(code_key), found.get(attempts_key)
        if stored is None or failures is None:
            # No code, or its counter was evicted/reset: either way there is nothing to try against.
            return "not_found", 0
        if hmac.compare_digest(stored, code_hmac):
            if failures < max_attempts:
                if cache.delete(code_key):
                    cache.delete(attempts_key)
                    return "verified", 0
                return "already_used", 0
        else:
            try:
                failures = cache.incr(attempts_key) - 1
            except ValueError:
                # A concurrent verify reset this code (lockout or success) after we read it.
                return "not_found", 0
            if failures < max_attempts:
                return "wrong", failures + 1
        cache.delete_many([code_key, attempts_key])
        return "locked_out", _cooldown_remaining(cooldown_key) or 1


# Redis: each operation is one Lua script, so generate and verify cost one round trip each instead
# of two and three, with the same atomicity. Values are encoded as django-redis encodes them, so
# `cache.get` reads the same keys (the attempt counter is a plain integer, INCR works on it).
_WINDOW_LUA = """
if ARGV[#ARGV] ~= '' then
  local count = redis.call('INCR', KEYS[4])
  if count == 1 then redis.call('EXPIRE', KEYS[4], ARGV[#ARGV - 1]) end
  if count > tonumber(ARGV[#ARGV]) then return {'throttled', count} end
end
"""
_ISSUE_LUA = (
    _WINDOW_LUA
    + """
local cooldown = tonumber(ARGV[1])
if cooldown > 0 and not redis.call('SET', KEYS[3], ARGV[2], 'NX', 'EX', cooldown) then
  return {'cooldown', redis.call('PTTL', KEYS[3])}
end
if tonumber(ARGV[4]) <= 0 then
  redis.call('DEL', KEYS[1], KEYS[2])
  return {'issued', 0}
end
redis.call('SET', KEYS[2], 0, 'EX', ARGV[4])
redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
return {'issued', 0}
"""
)
_CHECK_LUA = (
    _WINDOW_LUA
    + """
local stored = redis.call('GET', KEYS[1])
local failures = tonumber(redis.call('GET', KEYS[2]))
if not stored or not failures then return {'not_found', 0} end
local max_attempts = tonumber(ARGV[2])
if stored == ARGV[1] then
  if failures < max_attempts then
    redis.call('DEL', KEYS[1], KEYS[2])
    return {'verified', 0}
  end
else
  failures = redis.call('INCR', KEYS[2]) - 1
  if failures < max_attempts then return {'wrong', failures + 1} end
end
redis.call('DEL', KEYS[1], KEYS[2])
return {'locked_out', redis.call('PTTL', KEYS[3])}
"""
)


class _RedisStore:
    """django-redis: the same steps as _CacheStore, each as one server-side script."""

    def __init__(self, backend) -> None:
        self.backend = backend
        client = backend.client.get_client(write=True)
        self.issue_script = client.register_script(_ISSUE_LUA)
        self.check_script = client.register_script(_CHECK_LUA)

    def _keys(self, keys: tuple[str, str, str], window: IPWindow | None) -> list[str]:
        names = [*keys, window.key] if window else list(keys)
        return [self.backend.make_key(key) for key in names]

    @staticmethod
    def _window_args(window: IPWindow | None) -> list:
        return [window.ttl, window.limit] if window else ["", ""]

    @staticmethod
    def _answer(reply: list) -> tuple[str, int]:
        outcome, number = reply
        outcome = outcome.decode() if isinstance(outcome, bytes) else outcome
        if outcome == "throttled":
            raise IPWindowFull(int(number))
        return outcome, int(number)

    def issue(
        self,
        keys: tuple[str, str, str],
        code_hmac: str,
        ttl: int,
        cooldown: int,
        window: IPWindow | None = None,
    ) -> int:
        encode = self.backend.client.encode
        args = [cooldown, encode(time.time() + cooldown), encode(code_hmac), ttl, *self._window_args(window)]
        _, remaining_ms = self._answer(self.issue_script(keys=self._keys(keys, window), args=args))
        return max(1, math.ceil(remaining_ms / 1000)) if remaining_ms > 0 else 0

    def check(
        self, keys: tuple[str, str, str], code_hmac: str, max_attempts: int, window: IPWindow | None = None
    ) -> tuple[str, int]:
        args = [self.backend.client.encode(code_hmac), max_attempts, *self._window_args(window)]
        outcome, number = self._answer(self.check_script(keys=self._keys(keys, window), args=args))
        if outcome == "locked_out":
            return outcome, max(1, math.ceil(number / 1000)) if number > 0 else 1
        return outcome, number


# Per cache backend object (Django keeps one per thread; settings changes in tests make new ones).
_stores: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _store() -> _CacheStore | _RedisStore:
    """The store for the current security cache."""
    backend = caches[security_alias()]
    found = _stores.get(backend)
    if found is None:
        is_redis = hasattr(getattr(backend, "client", None), "get_client")
        found = _RedisStore(backend) if is_redis else _CacheStore()
        _stores[backend] = found
    return found


def counts_ip_window() -> bool:
    """Whether the security cache counts a per-IP window inside the OTP script (Redis: one round trip)."""
    return isinstance(_store(), _RedisStore)


def _otp_email(ident: str) -> str:
    """The email of the active user this id names, if any (ids that are not user ids have none)."""
    user_id = parse_id(ident)
    if user_id is None:
        return ""
    email = User.objects.filter(pk=user_id, is_active=True).values_list("email", flat=True).first()
    return email or ""


def otp_generate(
    *, ident: str, client_ip: str = "", deliver: bool = False, window: IPWindow | None = None
) -> OTPResult:
    """Issue a fresh 6-digit code for `ident`, replacing any earlier one and resetting its attempts.

    Only an HMAC of the code is stored. A per-id cooldown (OTP_RESEND_COOLDOWN) bounds how often
    codes can be re-rolled; with `deliver`, the code is emailed when the id is a user with an email.
    `window` (Redis only, see counts_ip_window) is counted first; IPWindowFull when it is over.
    """
    code = f"{secrets.randbelow(10**6):06d}"
    ttl = int(settings.OTP_TTL)
    cooldown = int(settings.OTP_RESEND_COOLDOWN)
    store, keys, code_hmac = _store(), _otp_keys(ident), _hmac("otp-code", ident, code)
    if window is None:
        retry_after = store.issue(keys, code_hmac, ttl, cooldown)
    else:
        retry_after = store.issue(keys, code_hmac, ttl, cooldown, window)
    if retry_after:
        _OTP_LOG.warning(
            "otp generate id=%r ip=%s outcome=cooldown retry_after=%s", ident, client_ip, retry_after
        )
        metrics.OTP_OUTCOMES.labels("generate", "cooldown").inc()
        raise OTPCooldown(retry_after=retry_after)
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
                metrics.OTP_OUTCOMES.labels("generate", "delivery_failed").inc()
                raise OTPDeliveryFailed() from exc
            emailed = True
    _OTP_LOG.info("otp generate id=%r ip=%s outcome=issued emailed=%s", ident, client_ip, emailed)
    metrics.OTP_OUTCOMES.labels("generate", "issued").inc()
    return OTPResult(code=code, emailed=emailed)


def otp_verify(*, ident: str, code: str, client_ip: str = "", window: IPWindow | None = None) -> None:
    """Accept the current code for `ident` once; raise 404/400/429 domain errors otherwise.

    Consumption is atomic (one `cache.delete`, or one Lua script on Redis), which only one caller
    can win, so concurrent correct verifies yield exactly one success. Wrong guesses are counted
    atomically (`incr`) before the answer goes out, so a burst of guesses gets at most
    OTP_MAX_ATTEMPTS plain "wrong" answers. `window` as in otp_generate.
    """
    max_attempts = int(settings.OTP_MAX_ATTEMPTS)
    store, keys, code_hmac = _store(), _otp_keys(ident), _hmac("otp-code", ident, code)
    if window is None:
        outcome, number = store.check(keys, code_hmac, max_attempts)
    else:
        outcome, number = store.check(keys, code_hmac, max_attempts, window)
    metrics.OTP_OUTCOMES.labels("verify", outcome).inc()
    if outcome == "verified":
        _OTP_LOG.info("otp verify id=%r ip=%s outcome=verified", ident, client_ip)
        return
    if outcome == "wrong":
        _OTP_LOG.warning("otp verify id=%r ip=%s outcome=wrong attempt=%s", ident, client_ip, number)
        raise OTPWrong()
    if outcome == "locked_out":
        _OTP_LOG.warning("otp verify id=%r ip=%s outcome=locked_out", ident, client_ip)
        raise OTPAttemptsExceeded(retry_after=number)
    _OTP_LOG.info("otp verify id=%r ip=%s outcome=%s", ident, client_ip, outcome)
    raise OTPNotFound()
