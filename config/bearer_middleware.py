"""Session, user and messages middleware that step aside for a request carrying a Bearer token.

Such a request is authenticated by its token alone (staff.auth.authentication): its session cookie
is never read, so it gets an empty, unsaved session, no flash messages and, on non-API views, the
anonymous user. Skipping them saves their per-request work on every API call; browser requests are
unchanged. CSRF stays Django's own middleware (cheap, and what `check --deploy` looks for).
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.http import HttpRequest, HttpResponseBase


def carries_bearer(request: HttpRequest) -> bool:
    """Whether the request authenticates with `Authorization: Bearer ...` (any case, as the API reads it)."""
    return request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "


class BearerAwareSessionMiddleware(SessionMiddleware):
    """SessionMiddleware, except that a Bearer request gets an empty session that is never saved."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.async_mode or not carries_bearer(request):
            return super().__call__(request)
        request.session = self.SessionStore()
        return self.get_response(request)


class BearerAwareAuthenticationMiddleware(AuthenticationMiddleware):
    """The session's user for browsers; the anonymous user for a Bearer request (DRF sets its own)."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.async_mode or not carries_bearer(request):
            return super().__call__(request)
        request.user = AnonymousUser()
        return self.get_response(request)


class BearerAwareMessageMiddleware(MessageMiddleware):
    """Flash messages live in the session and cookies, which a Bearer request does not use."""

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if self.async_mode or not carries_bearer(request):
            return super().__call__(request)
        return self.get_response(request)
