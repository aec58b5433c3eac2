"""One error shape for the whole API: domain and database errors mapped to HTTP in one place."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from config.errors import DomainError, ThrottledError

logger = logging.getLogger(__name__)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and database errors to DRF's one error shape; everything else to DRF's handler."""
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
            {"detail": "This object is still referenced by other records and cannot be deleted."},
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, IntegrityError):
        # Last line of defence: a constraint the service did not pre-check (usually a race).
        logger.warning("integrity error answered as 409: %s", exc)
        return Response(
            {"detail": "The change conflicts with existing data."}, status=status.HTTP_409_CONFLICT
        )
    return drf_exception_handler(exc, context)


def json_not_found(request, exception=None) -> JsonResponse:
    """Unknown URLs answer in the API's error shape instead of an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)
