"""Request timing (one log line and a Server-Timing header per request), the URL guard and the
Content-Security-Policy header built once per process."""

from __future__ import annotations

import http
import logging
import re
import time
from collections.abc import Callable

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from config.api.exceptions import error_body

logger = logging.getLogger("facility.request")


class RequestTimingMiddleware:
    """Outermost middleware, so the figure covers everything Django does for the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - start) * 1000
        response["Server-Timing"] = f"app;dur={duration_ms:.1f}"
        if logger.isEnabledFor(logging.INFO):
            logger.info(
                "%s %s %s %.1fms",
                request.method,
                request.get_full_path(),
                response.status_code,
                duration_ms,
            )
        return response


# C0 control characters and DEL. A path may hold none; a query value may hold tab, LF and CR
# (free text such as a search), never NUL or the other controls.
_PATH_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
_QUERY_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str, *, allow_whitespace: bool = False) -> bool:
    """Whether `text` holds a NUL or another control character (tab, LF, CR allowed if asked)."""
    return bool((_QUERY_CONTROLS if allow_whitespace else _PATH_CONTROLS).search(text))


class ControlCharacterMiddleware:
    """400 JSON for a URL path or query parameter holding NUL or another control character.

    PostgreSQL refuses NUL in text (a DataError, a 500 wherever a value reaches a query) and no
    identifier or filter value here has a use for control characters, so they are refused once,
    before any view, API and admin alike.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        problem = self.problem(request)
        if problem:
            logger.warning("%s %r refused: %s", request.method, request.path, problem)
            return JsonResponse(error_body(request.path_info, problem), status=400)
        return self.get_response(request)

    @staticmethod
    def problem(request: HttpRequest) -> str | None:
        """What is wrong with the request's path or query, or None."""
        if has_control_characters(request.path_info):
            return "The URL path contains a control character."
        query = request.META.get("QUERY_STRING", "")
        # Only a query that could hold one is parsed here (a control byte arrives %-escaped).
        if query and ("%" in query or _PATH_CONTROLS.search(query)):
            for key, values in request.GET.lists():
                if has_control_characters(key) or any(
                    has_control_characters(value, allow_whitespace=True) for value in values
                ):
                    return f"Query parameter {key!r} contains a control character."
        return None


# The per-response attributes of django-csp's decorators (csp_update, csp_replace, csp, csp_exempt).
_CSP_OVERRIDES = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_policies: dict[str, tuple[str, tuple[str, ...]]] = {}


@receiver(setting_changed)
def _forget_policies(*, setting: str, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


def _policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The settings' policy header (no nonce, no per-view change) and its excluded path prefixes."""
    name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
    if name not in _policies:
        prefixes = tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES", None) or ())
        _policies[name] = (build_policy(report_only=report_only), prefixes)
    return _policies[name]


class CachedPolicyCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the settings' policy built once instead of on every response.

    A response whose page used the nonce, or whose view changed the policy by decorator, is built
    per response by django-csp as before; every other response gets the same headers it would build.
    """

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, attr, None) is not None for attr in _CSP_OVERRIDES
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (
            http.HTTPStatus.INTERNAL_SERVER_ERROR,
            http.HTTPStatus.NOT_FOUND,
        ):
            return response
        for header, exempt, report_only in (
            (HEADER, "_csp_exempt", False),
            (HEADER_REPORT_ONLY, "_csp_exempt_ro", True),
        ):
            policy, prefixes = _policy(report_only)
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(prefixes)
            ):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
