"""The refusal page: a 403 under the admin is an admin page (header, the user's links, a way back),
never Django's bare "403 Forbidden"; elsewhere it is the API's JSON error shape (handler403)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from config.api.exceptions import error_body

DEFAULT_REFUSAL = "You do not have permission to open this page."


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the admin's styled refusal under /admin/, the API's `{"detail"}` elsewhere."""
    reason = str(exception or "") or DEFAULT_REFUSAL
    if not request.path_info.startswith(reverse("admin:index")):
        return JsonResponse(error_body(request.path_info, reason), status=403)
    context = {
        **admin.site.each_context(request),
        "title": "Permission denied",
        "reason": reason,
    }
    response = TemplateResponse(request, "admin/403.html", context, status=403)
    return response.render()
