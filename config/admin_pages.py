"""The refusal page: a 403 under the admin is an admin page (header, the user's links, a way back),
never Django's bare "403 Forbidden"; elsewhere it is the API's JSON error shape (handler403), and a
refused CSRF check outside the admin stays Django's page (CSRF_FAILURE_VIEW)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.csrf import csrf_failure as django_csrf_failure

from config.api.exceptions import error_body

DEFAULT_REFUSAL = "You do not have permission to open this page."
CSRF_REFUSAL = (
    "This form has expired or was sent from another page (its security token did not match). "
    "Go back, reload the page and send it again."
)


def _in_admin(request: HttpRequest) -> bool:
    return request.path_info.startswith(reverse("admin:index"))


def _admin_refusal(request: HttpRequest, reason: str, *, role_hint: bool) -> HttpResponse:
    context = {
        **admin.site.each_context(request),
        "title": "Permission denied",
        "reason": reason,
        "role_hint": role_hint,  # "ask Management": for a page the role lacks, not an expired form
    }
    return TemplateResponse(request, "admin/403.html", context, status=403).render()


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler403: the admin's styled refusal under /admin/, the API's `{"detail"}` elsewhere."""
    reason = str(exception or "") or DEFAULT_REFUSAL
    if not _in_admin(request):
        return JsonResponse(error_body(request.path_info, reason), status=403)
    return _admin_refusal(request, reason, role_hint=True)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """CSRF_FAILURE_VIEW: under /admin/ the styled page saying what to do; elsewhere Django's."""
    if not _in_admin(request):
        return django_csrf_failure(request, reason)
    return _admin_refusal(request, CSRF_REFUSAL, role_hint=False)
