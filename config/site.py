"""What the site serves beside the API: `/favicon.ico`, ReDoc's bundle with its one external URL
(the footer logo, fetched from Redocly's CDN: a broken image offline) pointed at a local copy, and
the admin dashboard's figures as JSON (`/dashboard`, polled by the admin index)."""

from __future__ import annotations

from functools import lru_cache

from django.contrib import admin
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from config.dashboard import panels_for

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


@require_safe
@never_cache
def dashboard_figures(request: HttpRequest) -> JsonResponse:
    """The admin dashboard's panels for the session's user, as the admin index shows them: 401
    without a session, 403 for an account the admin refuses (inactive, or not staff)."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    if not admin.site.has_permission(request):
        return JsonResponse({"detail": "You do not have permission to perform this action."}, status=403)
    now = timezone.now()
    panels = panels_for(request.user, now=now)
    return JsonResponse({"generated_at": now.isoformat(), "panels": [panel.as_dict() for panel in panels]})
