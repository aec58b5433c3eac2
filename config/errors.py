"""Domain errors every app raises: plain Python, so services, commands and the admin import them
without DRF. `config.api.exceptions` maps them to HTTP; the admin turns them into messages."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """Base of every app's domain errors; `extra` is merged into the JSON body beside `detail`.

    Messages are marked for translation (gettext_lazy for class texts, gettext where a message is
    built): `detail` is the text in the language active where the error is raised (config.locale)."""

    status_code = 400
    default_detail = _("Invalid request")

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        detail = detail or self.default_detail
        self.detail = str(detail) if isinstance(detail, Promise) else detail
        self.extra = extra
        super().__init__(self.detail)


class UnauthenticatedError(DomainError):
    status_code = 401
    default_detail = _("Authentication failed")


class ForbiddenError(DomainError):
    status_code = 403
    default_detail = _("You do not have permission to perform this action.")


class NotFoundError(DomainError):
    status_code = 404
    default_detail = _("Not found")


class ConflictError(DomainError):
    status_code = 409
    default_detail = _("Conflict")


class PayloadTooLargeError(DomainError):
    status_code = 413
    default_detail = _("Request body too large")


class UnprocessableError(DomainError):
    """422: well-formed but not acceptable (e.g. an idempotency key reused with another body)."""

    status_code = 422
    default_detail = _("Unprocessable request")


class ThrottledError(DomainError):
    """Raised with `retry_after` seconds; answered as 429 with a Retry-After header."""

    status_code = 429
    default_detail = _("Too many requests")

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **extra: Any) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **extra)


class UpstreamError(DomainError):
    """A dependency (object storage, time-series store) failed; the client may retry."""

    status_code = 502
    default_detail = _("Upstream service failed")


class ServiceUnavailableError(DomainError):
    """503: a dependency is down right now and nothing was done."""

    status_code = 503
    default_detail = _("Service temporarily unavailable")


__all__ = [
    "ConflictError",
    "DomainError",
    "ForbiddenError",
    "NotFoundError",
    "PayloadTooLargeError",
    "ServiceUnavailableError",
    "ThrottledError",
    "UnauthenticatedError",
    "UnprocessableError",
    "UpstreamError",
]
