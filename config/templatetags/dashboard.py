"""The admin index's dashboard panels (config.dashboard), built for the signed-in user."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from config.dashboard import Panel, panels_for

register = template.Library()


@register.simple_tag(takes_context=True)
def dashboard_panels(context: dict[str, Any]) -> list[Panel]:
    """The panels the request's user may see (none for a page rendered without a request)."""
    request = context.get("request")
    return panels_for(request.user) if request is not None else []


@register.simple_tag
def dashboard_refresh() -> dict[str, Any]:
    """Where and how often the page polls for fresh figures (0 seconds: it does not)."""
    return {"url": reverse("dashboard-figures"), "seconds": settings.DASHBOARD_REFRESH_SECONDS}
