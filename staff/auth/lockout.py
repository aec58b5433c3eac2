"""One lock on every password door: the API login, the admin login, the browsable API's login and
the admin password change.

Each door counts against the same buckets: a per-client-IP window (`THROTTLE_LOGIN_IP`, wide
enough for an office behind one NAT) and a strict per-account window (`THROTTLE_LOGIN`), both
`SettingRateThrottle`'s atomic fixed window, plus a progressive lockout
per account: after `LOGIN_LOCKOUT_AFTER` failed passwords in a row, every further failure locks the
account's doors for `LOGIN_LOCKOUT_BASE` seconds, doubled per failure up to `LOGIN_LOCKOUT_MAX`,
and a correct password resets it. The account is the primary key a typed name or e-mail resolves
to (staff.identity), so other spellings and the e-mail share one budget.

Why the project's own throttle instead of django-axes: the API login is a DRF view with its own
answer shape (429 JSON + Retry-After) and the per-IP/per-account windows already exist there; one
module keyed the same way for the Django forms (through an authentication backend and the admin's
password-change form) keeps one budget per account across every door and one cache (Redis) for it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

from config.api.throttling import SettingRateThrottle
from config.errors import ThrottledError
from staff.identity import account_key, is_storable

logger = logging.getLogger("staff.auth")

FAILURE_WINDOW = 24 * 3600


class LoginThrottled(ThrottledError):
    default_detail = "Too many login attempts; try again later."


def client_ident_key(ident: str | None) -> str:
    """A bounded cache-key fragment for a client address: the address itself when it is one, else a
    hash (behind NUM_PROXIES the address comes from X-Forwarded-For, which the client writes)."""
    text = (ident or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return "h" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]


class ClientIPThrottle(SettingRateThrottle):
    """A per-client-IP window whose key is always a plain address or a hash (client_ident_key)."""

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_ident_key(self.get_ident(request))}


class LoginIPThrottle(ClientIPThrottle):
    """Per client IP, over every password door: higher than the per-account window, so one office
    NAT can log many people in while each account stays strictly limited."""

    scope = "login-ip"
    rate_setting = "THROTTLE_LOGIN_IP"


class LoginAccountThrottle(SettingRateThrottle):
    """Per account (resolved primary key, else canonical name), over every password door.

    On the API the identifier is the body's `username`; reading the body happens only after the
    per-IP throttle allowed the request (see ThrottleFirstRefusalMixin), and a body that does not
    parse is "no key": the view then answers the parse error itself.
    """

    scope = "login-user"
    rate_setting = "THROTTLE_LOGIN"
    identifier: str | None = None

    def __init__(self, identifier: str | None = None) -> None:
        super().__init__()
        self.identifier = identifier

    def get_cache_key(self, request, view) -> str | None:
        identifier = self.identifier if self.identifier is not None else _body_username(request)
        if not identifier or not identifier.strip():
            return None
        return self.cache_format % {"scope": self.scope, "ident": account_key(identifier)}


def _body_username(request) -> str | None:
    from rest_framework.exceptions import APIException

    try:
        data = request.data
    except APIException as exc:
        # The view re-raises this once the throttles are done (staff.views.auth).
        request.deferred_parse_error = exc
        return None
    username = data.get("username") if hasattr(data, "get") else None
    if not isinstance(username, str) or not is_storable(username):
        # Lone surrogates or NUL: no account can have that name (the serializer answers 400).
        return None
    return username[:254]


class ThrottleFirstRefusalMixin:
    """DRF asks every throttle even after one refused; stop at the first refusal instead, so a
    throttled client never gets its body parsed (the per-IP throttle is listed first)."""

    def check_throttles(self, request) -> None:
        for throttle in self.get_throttles():
            if not throttle.allow_request(request, self):
                self.throttled(request, throttle.wait())


def _lock_keys(key: str) -> tuple[str, str]:
    return f"login:fail:{key}", f"login:lock:{key}"


def lockout_check(*, key: str) -> None:
    """Raise LoginThrottled while the account is locked out."""
    _, lock_key = _lock_keys(key)
    until = cache.get(lock_key)
    if until is not None:
        remaining = until - time.time()
        if remaining > 0:
            raise LoginThrottled(retry_after=max(1, math.ceil(remaining)))


def password_failed(*, key: str) -> None:
    """Count a wrong password (atomic incr) and lock the account once failures pass the threshold."""
    fail_key, lock_key = _lock_keys(key)
    try:
        failures = cache.incr(fail_key)
    except ValueError:
        failures = 1 if cache.add(fail_key, 1, timeout=FAILURE_WINDOW) else cache.incr(fail_key)
    after = int(settings.LOGIN_LOCKOUT_AFTER)
    if failures >= after:
        seconds = min(
            int(settings.LOGIN_LOCKOUT_MAX), int(settings.LOGIN_LOCKOUT_BASE) * 2 ** (failures - after)
        )
        cache.set(lock_key, time.time() + seconds, timeout=seconds)
        logger.warning("password door locked key=%s failures=%s for=%ss", key, failures, seconds)


def password_succeeded(*, key: str) -> None:
    cache.delete_many(list(_lock_keys(key)))


def lockout_reset(*, user: Any, actor: Any) -> None:
    """Open a locked-out account's password doors again (admin action); the windows stay.
    Only a superuser may touch a superuser's account (records.user_check_actor)."""
    from staff.services.records import user_check_actor

    user_check_actor(user=user, actor=actor)
    password_succeeded(key=account_key("", account_id=user.pk))
    logger.info("password door lockout reset user=%s by actor=%s", user.pk, getattr(actor, "pk", None))


def password_door_check(*, request: Any, identifier: str, account_id: int | None = None) -> str:
    """Per-IP window, per-account window and lockout for one password attempt; returns the account
    key for `password_failed`/`password_succeeded`. Raises LoginThrottled (429) when refused."""
    key = account_key(identifier, account_id=account_id)
    throttles: list[SettingRateThrottle] = [LoginAccountThrottle(identifier=identifier)]
    if request is not None:
        # `authenticate()` may be called without a request (scripts): no client IP to count.
        throttles.insert(0, LoginIPThrottle())
    for throttle in throttles:
        if not throttle.allow_request(request, None):
            logger.warning("password door throttled scope=%s key=%s", throttle.scope, key)
            raise LoginThrottled(retry_after=max(1, math.ceil(throttle.wait() or 1)))
    lockout_check(key=key)
    return key
