"""Request timing (one log line and a Server-Timing header per request), the URL guard, and the source
of the changes a request makes (config.history)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from config import history
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


class ChangeSourceMiddleware:
    """Every change a request makes is recorded as coming from the admin (under its prefix) or the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with history.changes_from(history.source_for_path(request.path_info)):
            return self.get_response(request)
