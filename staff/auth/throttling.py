"""The DRF throttles of the auth endpoints, and the password-door windows for the Django forms.

Every password door (API login, admin login, browsable-API login, admin password change) passes a
per-client-IP window (`THROTTLE_LOGIN_IP`) and a per-account window (`THROTTLE_LOGIN`), then the
account's lockout (staff.auth.lockout). Register and refresh have their own per-IP windows.
"""

from __future__ import annotations

import logging
import math

from django.http import HttpRequest
from rest_framework.exceptions import APIException

from config.api.throttling import ClientIPThrottle, SettingRateThrottle
from staff.auth.lockout import account_key, lockout_check
from staff.exceptions import LoginThrottled
from staff.identity import is_storable

logger = logging.getLogger("staff.auth")


class LoginIPThrottle(ClientIPThrottle):
    """Per client IP, over every password door: higher than the per-account window, so one office
    NAT can log many people in while each account stays strictly limited."""

    fail_closed = True  # a security window: no unlimited guesses while the cache is down
    scope = "login-ip"
    rate_setting = "THROTTLE_LOGIN_IP"


class LoginAccountThrottle(SettingRateThrottle):
    """Per account (resolved primary key, else canonical name), over every password door.

    On the API the identifier is the body's `username`; reading the body happens only after the
    per-IP throttle allowed the request (see ThrottleFirstRefusalMixin), and a body that does not
    parse is "no key": the view then answers the parse error itself.
    """

    fail_closed = True  # a security window: no unlimited guesses while the cache is down
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
    try:
        data = request.data
    except APIException as exc:
        # The view re-raises this once the throttles are done (staff.auth.views.LoginView).
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


def password_door_check(
    *, request: HttpRequest | None, identifier: str, account_id: int | None = None
) -> str:
    """Per-IP window, per-account window and lockout for one password attempt; returns the account
    key for `lockout.password_failed`/`password_succeeded`. Raises LoginThrottled (429) when refused.

    The entry of the Django password doors (staff.auth.backends, staff.auth.admin_forms); the API
    login gets the same windows as its view's throttle classes.
    """
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


class RegisterThrottle(ClientIPThrottle):
    """Per client IP and much lower than login (THROTTLE_REGISTER): a duplicate answer says an
    e-mail or username exists, so probing for accounts must be slow."""

    fail_closed = True  # a security window: no unlimited guesses while the cache is down
    scope = "register-ip"
    rate_setting = "THROTTLE_REGISTER"


class RefreshThrottle(ClientIPThrottle):
    """Per client IP, its own window (THROTTLE_REFRESH): refreshing a token is no password guess,
    so it neither spends nor is stopped by the login budget."""

    scope = "refresh-ip"
    rate_setting = "THROTTLE_REFRESH"
