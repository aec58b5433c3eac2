"""What the site serves beside the API: `/favicon.ico` and ReDoc's bundle with its one external URL
(the footer logo, fetched from Redocly's CDN: a broken image offline) pointed at a local copy."""

from __future__ import annotations

from functools import lru_cache

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_safe

FAVICON = "platform/favicon.ico"
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOC_LOGO = "platform/redoc-logo.svg"
REDOC_CDN_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"


def _read(static_path: str) -> bytes:
    found = finders.find(static_path)
    if not found:
        raise FileNotFoundError(static_path)
    with open(found, "rb") as handle:
        return handle.read()


@lru_cache(maxsize=1)
def _favicon() -> bytes:
    return _read(FAVICON)


@lru_cache(maxsize=1)
def _redoc_bundle() -> bytes:
    """The sidecar's bundle with the logo's CDN address replaced (read once per process)."""
    return _read(REDOC_BUNDLE).replace(REDOC_CDN_LOGO.encode(), static(REDOC_LOGO).encode())


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, where browsers look for it without being told."""
    return HttpResponse(_favicon(), content_type="image/x-icon")


@require_safe
@cache_control(public=True, max_age=86400)
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    """ReDoc's standalone bundle, every asset it loads served by this site."""
    return HttpResponse(_redoc_bundle(), content_type="text/javascript; charset=utf-8")
