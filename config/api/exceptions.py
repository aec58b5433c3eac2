"""One error shape for the whole API: domain and database errors mapped to HTTP in one place.

Under the prefixes in API_ERROR_ENVELOPE_PREFIXES (the paths of the machines clients: auth, data,
config) every error also carries `"status": "error"` and `"message"` (the text of `detail`) beside
`detail`: answered by DRF here, or by the platform's own JSON answers (URL guard, body limits,
unknown URLs), which build their bodies with `error_body` (docs/architecture.md §12)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.dependencies import log_outage, outage_body, outage_of, outage_response, retry_after
from config.errors import DomainError, ThrottledError

logger = logging.getLogger(__name__)


ENVELOPE_KEYS = ("status", "message", "detail")
SUMMARY_MESSAGES = 5  # field messages spelled out in a validation error's `message`


def envelope_applies(path: str) -> bool:
    """Whether errors at `path` carry the clients' envelope: `path` is one of the prefixes in
    API_ERROR_ENVELOPE_PREFIXES or below it, segment by segment (`/api/v1/config` is, `/api/v1/configx`
    is not)."""
    for prefix in getattr(settings, "API_ERROR_ENVELOPE_PREFIXES", ()):
        base = prefix.rstrip("/")
        if path == base or path.startswith(base + "/"):
            return True
    return False


def _messages(data: Any, path: str = "") -> Iterator[str]:
    """Every message of a (nested) DRF error structure, prefixed with the field path it belongs to."""
    if isinstance(data, dict):
        for key, value in data.items():
            name = "" if key in ("non_field_errors", "detail") else str(key)
            yield from _messages(value, f"{path}.{name}" if path and name else path or name)
    elif isinstance(data, list | tuple):
        for index, value in enumerate(data):
            if isinstance(value, dict | list | tuple):
                yield from _messages(value, f"{path}[{index}]")
            else:
                yield f"{path}: {value}" if path else str(value)
    elif data is not None:
        yield f"{path}: {data}" if path else str(data)


def error_summary(data: Any) -> str:
    """One readable line for an error structure: `username: This field is required.; ...`."""
    messages = list(_messages(data))
    text = "; ".join(messages[:SUMMARY_MESSAGES])
    if len(messages) > SUMMARY_MESSAGES:
        text += f" (and {len(messages) - SUMMARY_MESSAGES} more)"
    return text or "Invalid request"


def error_envelope(data: Any) -> dict[str, Any]:
    """`data` (an error body) with `status: "error"`, `message` and `detail` first.

    A body with `detail` keeps it; `message` is its text. A validation error (`{field: [...]}` or a
    list) gets `detail` = `message` = a readable summary, its field errors kept beside them; a field
    named like an envelope key is kept under `errors` too, so nothing is lost.
    """
    if isinstance(data, dict) and "detail" in data:
        detail = data["detail"]
        message = detail if isinstance(detail, str) else error_summary(detail)
        rest = {key: value for key, value in data.items() if key not in ("status", "message")}
        return {"status": "error", "message": str(message), **rest}
    summary = error_summary(data)
    body: dict[str, Any] = {"status": "error", "message": summary, "detail": summary}
    if isinstance(data, dict):
        body.update((key, value) for key, value in data.items() if key not in ENVELOPE_KEYS)
        if any(key in ENVELOPE_KEYS for key in data):
            body["errors"] = data
    return body


def error_body(path: str, detail: str, **extra: Any) -> dict[str, Any]:
    """The JSON body of an error answered outside DRF (middleware, handler404/400/500): `{"detail"}`,
    enveloped under API_ERROR_ENVELOPE_PREFIXES."""
    body = {"detail": detail, **extra}
    return error_envelope(body) if envelope_applies(path) else body


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER, the one for every view: `map_exception`; then the view's declared
    `shape_error(exc, data, request)` hook, if any; then the clients' envelope, by path prefix or by
    the view's declared `envelope` (config.api.envelope)."""
    response = map_exception(exc, context)
    if response is None:
        return None
    request = context.get("request")
    view = context.get("view")
    shape_error = getattr(view, "shape_error", None)
    if shape_error is not None:
        response.data = shape_error(exc, response.data, request)
    if getattr(view, "envelope", None) == "status" or (
        request is not None and envelope_applies(request.path_info)
    ):
        response.data = error_envelope(response.data)
    return response


def map_exception(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and database errors to DRF's one error shape; everything else to DRF's handler."""
    dependency = outage_of(exc)
    if dependency is not None:
        # A dead or frozen cache/database: a 503 naming it, one log line, no traceback.
        request = context.get("request")
        where = f"{request.method} {request.path}" if request is not None else "api"
        log_outage(dependency, exc, where)
        response = Response(outage_body(dependency), status=503, headers={"Retry-After": str(retry_after())})
        response._has_been_logged = True  # the line above is its one log line
        return response
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, **exc.extra}
        headers = {}
        if isinstance(exc, ThrottledError) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, int(exc.retry_after)))
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, DjangoValidationError):
        # A model validator (full_clean in a service) refused the data: the 400 field shape.
        body = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {"detail": _("This object is still referenced by other records and cannot be deleted.")},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # Last line of defence: a constraint the service did not pre-check (usually a race).
        logger.warning("integrity error answered as 409: %s", exc)
        return Response(
            {"detail": _("The change conflicts with existing data.")}, status=status.HTTP_409_CONFLICT
        )
    return drf_exception_handler(exc, context)


def json_not_found(request, exception=None) -> JsonResponse:
    """Unknown URLs answer in the API's error shape instead of an HTML page."""
    return JsonResponse(error_body(request.path_info, _("Not found.")), status=404)


def json_server_error(request) -> JsonResponse:
    """handler500; an outage raised outside any view (a middleware) is still its 503."""
    exc = sys.exc_info()[1]
    dependency = outage_of(exc) if exc is not None else None
    if dependency is not None:
        return outage_response(request, dependency, exc)
    return JsonResponse(error_body(request.path_info, _("Internal server error.")), status=500)
