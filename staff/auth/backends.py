"""The authentication backend behind every Django password form (admin login, browsable-API login).

`django.contrib.auth.authenticate()` is what those forms call, so guarding it here puts them behind
the same per-IP, per-account and lockout limits as the API login (staff.auth.throttling). Refusing
with PermissionDenied makes `authenticate()` stop and answer "no user"; the admin's login form then
tells the throttled case apart through `request.password_door_retry_after`.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from staff.auth.lockout import password_failed, password_succeeded
from staff.auth.throttling import password_door_check
from staff.exceptions import LoginThrottled


class GuardedModelBackend(ModelBackend):
    """ModelBackend (canonical usernames via the manager) with the password-door limits."""

    def authenticate(self, request: Any, username: str | None = None, password: str | None = None, **kwargs):
        if username is None:
            username = kwargs.get("username")
        if username is None or password is None:
            return None
        try:
            key = password_door_check(request=request, identifier=str(username))
        except LoginThrottled as exc:
            if request is not None:
                request.password_door_retry_after = exc.retry_after
            raise PermissionDenied(exc.detail) from None
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            password_failed(key=key)
        else:
            password_succeeded(key=key)
        return user
