"""Request bodies bounded before they are read, and answered in the API's JSON shape.

A body's declared `Content-Length` is checked here, before anything reads the body: JSON, form and
multipart bodies may be at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes, except multipart bodies on the
upload routes (UPLOAD_PATHS), which may be MAX_UPLOAD_BYTES. Over that: 413 JSON, nothing spooled.
A body that declares no length (chunked) or lies about its files is stopped while it is parsed by
`BoundedUploadHandler`, the first of FILE_UPLOAD_HANDLERS.

Django raises RequestDataTooBig (a SuspiciousOperation) when a form body passes
DATA_UPLOAD_MAX_MEMORY_SIZE; unhandled, that becomes the HTML 400 page plus an ERROR log line on
`django.security.RequestDataTooBig`. Those found while reading reach `process_exception` or
`json_bad_request` (the project's handler400): 413 JSON, logged as a warning.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.files.uploadhandler import FileUploadHandler
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.api.exceptions import error_body

logger = logging.getLogger("facility.request")

_MULTIPART = "multipart/form-data"


def too_large_response(limit: int | None = None, path: str = "") -> JsonResponse:
    """413 in the API's error shape (enveloped under API_ERROR_ENVELOPE_PREFIXES)."""
    limit = limit if limit is not None else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return JsonResponse(error_body(path, f"Request body larger than {limit} bytes."), status=413)


@lru_cache(maxsize=8)
def _upload_path_patterns(patterns: tuple[str, ...]) -> tuple[re.Pattern[str], ...]:
    return tuple(re.compile(pattern) for pattern in patterns)


def is_upload_path(path: str) -> bool:
    """Whether `path` is a route that accepts file uploads (UPLOAD_PATHS, regular expressions)."""
    return any(p.match(path) for p in _upload_path_patterns(tuple(settings.UPLOAD_PATHS)))


def body_limit(request: HttpRequest) -> int:
    """The largest body this request may carry (0: no limit).

    Multipart bodies on an upload route may be MAX_UPLOAD_BYTES (the image plus its envelope);
    every other body, multipart included, DATA_UPLOAD_MAX_MEMORY_SIZE.
    """
    if request.META.get("CONTENT_TYPE", "").startswith(_MULTIPART) and is_upload_path(request.path_info):
        return settings.MAX_UPLOAD_BYTES or 0
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0


class RequestSizeLimitMiddleware:
    """413 JSON for a body whose declared Content-Length is over its limit, before it is read."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        if limit:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                logger.warning("%s %s refused: body of %s bytes", request.method, request.path, length)
                return too_large_response(limit, request.path_info)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A view that read an oversized body (e.g. a multipart form): 413 JSON, logged as a warning."""
        if isinstance(exception, RequestDataTooBig):
            logger.warning("%s %s refused: %s", request.method, request.path, exception)
            return too_large_response(body_limit(request), request.path_info)
        return None


class BoundedUploadHandler(FileUploadHandler):
    """Stops a multipart upload once its files pass the request's body limit (RequestDataTooBig).

    The Content-Length check refuses what declares its size; this one counts what actually
    arrives, so a body without a usable length never spools more than the limit to memory or disk.
    """

    def __init__(self, request: HttpRequest | None = None) -> None:
        super().__init__(request)
        self.limit = body_limit(request) if request is not None else settings.MAX_UPLOAD_BYTES
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.limit and self.received > self.limit:
            raise RequestDataTooBig(f"Request body larger than {self.limit} bytes.")
        return raw_data

    def file_complete(self, file_size: int) -> None:
        """The next handler (memory or temporary file) makes the file."""
        return None


def json_bad_request(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    """handler400: JSON, with 413 for bodies over the limits."""
    if isinstance(exception, RequestDataTooBig | TooManyFieldsSent | TooManyFilesSent):
        detail = str(exception) or "Request body too large."
        return JsonResponse(error_body(request.path_info, detail), status=413)
    return JsonResponse(error_body(request.path_info, "Bad request."), status=400)
