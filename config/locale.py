"""Language and time zone per request (README "Language and time").

A request that names a supported language (the admin switcher's cookie, or `Accept-Language`) gets
every message in it; one that names none gets LANGUAGE_CODE ("en"), which has no catalog of ours, so
its texts are the msgids: the specifications' own (the staff endpoints' Indonesian, the other apps'
English), and existing clients see no change.
Admin pages show times in the signed-in user's zone; everything else stays in UTC (TIME_ZONE).
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header


def _supported(code: str) -> str | None:
    try:
        return translation.get_supported_language_variant(code)
    except LookupError:
        return None


def requested_language(request: HttpRequest) -> str | None:
    """The supported language the request names (cookie first, then `Accept-Language` in order of
    preference), or None when it names none: `*` and unsupported languages name none."""
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if cookie and (language := _supported(cookie)):
        return language
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    for code, _quality in parse_accept_lang_header(header) if header else ():
        if code != "*" and (language := _supported(code)):
            return language
    return None


class LanguageMiddleware:
    """Django's LocaleMiddleware without its session and path lookups: the language the request
    names, else LANGUAGE_CODE (the contract texts); the previous language is restored after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = requested_language(request)
        with translation.override(language or settings.LANGUAGE_CODE):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language",))
        if language:
            response.headers.setdefault("Content-Language", language)
        return response


def time_zone_choices() -> list[tuple[str, str]]:
    """Every IANA zone name this machine knows, for User.time_zone (a callable, so the list is not
    copied into migrations)."""
    return [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


@lru_cache(maxsize=256)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def user_time_zone(user: object) -> zoneinfo.ZoneInfo:
    """The user's own zone, else ADMIN_TIME_ZONE, else UTC (a name this machine does not know)."""
    for name in (getattr(user, "time_zone", ""), settings.ADMIN_TIME_ZONE):
        if name and (zone := _zone(name)):
            return zone
    return zoneinfo.ZoneInfo("UTC")


@lru_cache(maxsize=1)
def _admin_prefix() -> str:
    return reverse("admin:index")


class AdminTimeZoneMiddleware:
    """Admin pages (session requests) in the user's zone; the API, JSON and commands keep UTC."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(_admin_prefix()):
            return self.get_response(request)
        with timezone.override(user_time_zone(getattr(request, "user", None))):
            return self.get_response(request)
