"""Oversized or malformed request bodies answered in the API's JSON shape, never Django's HTML 400.

Django raises RequestDataTooBig (a SuspiciousOperation) when a form body passes
DATA_UPLOAD_MAX_MEMORY_SIZE; unhandled, that becomes the HTML 400 page plus an ERROR log line on
`django.security.RequestDataTooBig`. A declared Content-Length over the limit is refused here
before anything reads the body (413); the rare cases only found while reading (multipart field data,
a chunked body) reach `json_bad_request`, the project's handler400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse

logger = logging.getLogger("facility.request")

# Multipart bodies carry files, which DATA_UPLOAD_MAX_MEMORY_SIZE does not count.
_UNCAPPED_TYPES = ("multipart/form-data",)


def too_large_response(limit: int | None = None) -> JsonResponse:
    limit = limit if limit is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse({"detail": f"Request body larger than {limit} bytes."}, status=413)


class RequestSizeLimitMiddleware:
    """413 JSON for a non-multipart body whose Content-Length is over DATA_UPLOAD_MAX_MEMORY_SIZE."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        content_type = request.META.get("CONTENT_TYPE", "")
        if limit and not content_type.startswith(_UNCAPPED_TYPES):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                logger.warning("%s %s refused: body of %s bytes", request.method, request.path, length)
                return too_large_response(limit)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that read an oversized body (e.g. a multipart form): 413 JSON, logged as a warning."""
        if isinstance(exception, RequestDataTooBig):
            logger.warning("%s %s refused: %s", request.method, request.path, exception)
            return too_large_response()
        return None


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """handler400: JSON, with 413 for bodies over the limits."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        return JsonResponse({"detail": str(exception) or "Request body too large."}, status=413)
    return JsonResponse({"detail": "Bad request."}, status=400)
