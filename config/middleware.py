"""Request timing: one log line per request and a Server-Timing header on every response."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

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
