"""Links in the admin only to pages the signed-in user may open (docs/architecture.md §11).

Django links a read-only foreign key ("created by", "actor") to the related object's change page
without asking whether the viewer may open it, and a display method has no request to ask with. An
admin with `LinkGuardMixin` keeps the request of the page being rendered in a context variable, so
`admin_url`/`admin_link` and the read-only foreign keys link only where the viewer may look; the
autocomplete answers label each choice by the searched admin's `autocomplete_label`.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.utils import quote
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.db import models
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode

_REQUEST: ContextVar[HttpRequest | None] = ContextVar("admin_page_request", default=None)


def current_request() -> HttpRequest | None:
    """The request of the admin page being rendered by a `LinkGuardMixin` admin, else None."""
    return _REQUEST.get()


def admin_url(
    target: models.Model | type[models.Model],
    *,
    query: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> str | None:
    """The admin page of `target` (an object: its change page; a model: its change list, filtered by
    `query`) when the viewer may open it; None when they may not, or no viewer is known."""
    request = request or current_request()
    model = target if isinstance(target, type) else type(target)
    if request is None or not admin.site.is_registered(model):
        return None
    model_admin = admin.site.get_model_admin(model)
    opts = model._meta
    if isinstance(target, type):
        if not model_admin.has_view_or_change_permission(request):
            return None
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
    else:
        if not model_admin.has_view_or_change_permission(request, target):
            return None
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[quote(target.pk)])
    return f"{url}?{urlencode(query)}" if query else url


def admin_link(
    target: models.Model | type[models.Model], text: Any, *, query: Mapping[str, Any] | None = None
) -> str:
    """`text` linked to `target`'s admin page where the viewer may open it, plain text otherwise."""
    url = admin_url(target, query=query)
    return format_html('<a href="{}">{}</a>', url, text) if url else format_html("{}", text)


def _render_with_request(request: HttpRequest, view: Callable[[], HttpResponse]) -> HttpResponse:
    """Run an admin view and render its template while the request is the current one (a
    TemplateResponse otherwise renders after the view returned, when the variable is reset)."""
    token = _REQUEST.set(request)
    try:
        response = view()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
        return response
    finally:
        _REQUEST.reset(token)


class LinkGuardMixin:
    """The change form and change list of this admin link only where the viewer may go."""

    def changeform_view(
        self, request: HttpRequest, object_id: str | None = None, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        parent = super()
        return _render_with_request(
            request, lambda: parent.changeform_view(request, object_id, form_url, extra_context)
        )

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        parent = super()
        return _render_with_request(request, lambda: parent.changelist_view(request, extra_context))


_django_get_admin_url = helpers.AdminReadonlyField.get_admin_url


def _guarded_get_admin_url(self: helpers.AdminReadonlyField, remote_field: Any, remote_obj: Any) -> str:
    """A read-only foreign key links to the related page only where the viewer may open it."""
    request = current_request()
    if request is not None and admin_url(remote_obj, request=request) is None:
        return str(remote_obj)
    return _django_get_admin_url(self, remote_field, remote_obj)


helpers.AdminReadonlyField.get_admin_url = _guarded_get_admin_url


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Autocomplete choices labelled by the searched admin's `autocomplete_label(obj)` where it has
    one (a part with its stock left), else `str(obj)` as Django does."""

    def serialize_result(self, obj: models.Model, to_field_name: str) -> dict[str, str]:
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = str(label(obj))
        return result


def _autocomplete_view(site: admin.AdminSite, request: HttpRequest) -> HttpResponse:
    return LabelledAutocompleteJsonView.as_view(admin_site=site)(request)


# Set before the admin's URLs are built (autodiscovery imports every admin module first).
admin.site.autocomplete_view = types.MethodType(_autocomplete_view, admin.site)
