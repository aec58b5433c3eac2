"""DRF plumbing shared by every app: pagination, rendering, permissions, domain-error mapping."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import JsonResponse
from django.utils.encoding import force_str
from django.utils.functional import Promise
from rest_framework import exceptions, status
from rest_framework.pagination import BasePagination
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.utils.encoders import JSONEncoder

logger = logging.getLogger(__name__)


# --- Domain errors ------------------------------------------------------------------------------
class DomainError(Exception):
    """Base of every app's domain errors; `extra` is merged into the JSON body beside `detail`."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "Invalid request"

    def __init__(self, detail: str | None = None, **extra: Any) -> None:
        self.detail = detail or self.default_detail
        self.extra = extra
        super().__init__(self.detail)


class NotFoundError(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found"


class ForbiddenError(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "You do not have permission to perform this action."


class ConflictError(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Conflict"


class ThrottledError(DomainError):
    """Raised with `retry_after` seconds; answered as 429 with a Retry-After header."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_detail = "Too many requests"

    def __init__(self, detail: str | None = None, *, retry_after: int | None = None, **extra: Any) -> None:
        self.retry_after = retry_after
        super().__init__(detail, **extra)


class UpstreamError(DomainError):
    """A dependency (object storage, time-series store) failed; the client may retry."""

    status_code = status.HTTP_502_BAD_GATEWAY
    default_detail = "Upstream service failed"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Map domain and database errors to DRF's one error shape; everything else to DRF's handler."""
    if isinstance(exc, DomainError):
        body = {"detail": exc.detail, **exc.extra}
        headers = {}
        if isinstance(exc, ThrottledError) and exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, int(exc.retry_after)))
        return Response(body, status=exc.status_code, headers=headers)
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
    from rest_framework.views import exception_handler as drf_exception_handler

    return drf_exception_handler(exc, context)


# --- Rendering ----------------------------------------------------------------------------------
_drf_encoder = JSONEncoder()


def _orjson_default(obj: Any) -> Any:
    if isinstance(obj, Promise):
        return force_str(obj)
    return _drf_encoder.default(obj)


class ORJSONRenderer(JSONRenderer):
    """JSON via orjson: several times faster than the stdlib encoder on the hot endpoints."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context=None) -> bytes:
        if data is None:
            return b""
        return orjson.dumps(data, default=_orjson_default, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z)


# --- Pagination ---------------------------------------------------------------------------------
class SkipLimitPagination(BasePagination):
    """`?skip=&limit=` paging that answers a plain JSON array, with X-Total-Count and Link headers."""

    default_limit = 100
    max_limit = 1000

    def _int_param(self, request, name: str, default: int, minimum: int, maximum: int | None) -> int:
        raw = request.query_params.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except (TypeError, ValueError):
            raise exceptions.ValidationError({name: ["A valid integer is required."]}) from None
        if value < minimum or (maximum is not None and value > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
            raise exceptions.ValidationError({name: [f"Must be {bound}."]})
        return value

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.skip = self._int_param(request, "skip", 0, 0, None)
        self.limit = self._int_param(request, "limit", self.default_limit, 1, self.max_limit)
        self.count = queryset.count() if hasattr(queryset, "count") else len(queryset)
        return list(queryset[self.skip : self.skip + self.limit])

    def _link(self, skip: int) -> str:
        params = self.request.query_params.copy()
        params["skip"] = str(skip)
        params["limit"] = str(self.limit)
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params, doseq=True)

    def get_paginated_response(self, data) -> Response:
        links = []
        if self.skip + self.limit < self.count:
            links.append(f'<{self._link(self.skip + self.limit)}>; rel="next"')
        if self.skip > 0:
            links.append(f'<{self._link(max(0, self.skip - self.limit))}>; rel="prev"')
        headers = {"X-Total-Count": str(self.count)}
        if links:
            headers["Link"] = ", ".join(links)
        return Response(data, headers=headers)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return schema

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": "skip",
                "in": "query",
                "required": False,
                "description": "Number of rows to skip.",
                "schema": {"type": "integer", "minimum": 0, "default": 0},
            },
            {
                "name": "limit",
                "in": "query",
                "required": False,
                "description": f"Rows to return (1-{self.max_limit}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_limit, "default": 100},
            },
        ]


# --- Permissions --------------------------------------------------------------------------------
class ActionPermission(BasePermission):
    """Authenticated, plus the Django permissions the view requires for this action.

    A view may set `action_perms = {"action_name": ["app.codename", ...]}`; actions it does not
    name fall back to model permissions for writes (add/change/delete) and none for reads. Going
    through `user.has_perms` lets staff tune a role in the admin.
    """

    method_actions = {"POST": "add", "PUT": "change", "PATCH": "change", "DELETE": "delete"}

    def required_perms(self, request, view) -> list[str]:
        mapping = getattr(view, "action_perms", None) or {}
        action = getattr(view, "action", None)
        if action in mapping:
            return list(mapping[action])
        if request.method in mapping:
            return list(mapping[request.method])
        if request.method in SAFE_METHODS:
            return []
        queryset = getattr(view, "queryset", None)
        verb = self.method_actions.get(request.method)
        if queryset is None or verb is None:
            return []
        opts = queryset.model._meta
        return [f"{opts.app_label}.{verb}_{opts.model_name}"]

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.has_perms(self.required_perms(request, view))


# --- Throttling ---------------------------------------------------------------------------------
class SettingRateThrottle(SimpleRateThrottle):
    """A per-client-IP throttle whose rate is a Django setting read per request (env-driven).

    Counts in fixed windows with one atomic cache `incr` per request, instead of DRF's list of
    timestamps: that is a read-modify-write (a concurrent burst slips through) and grows with the rate.
    """

    rate_setting = ""

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{key}:{window}"
        try:
            count = cache.incr(key)
        except ValueError:
            count = 1 if cache.add(key, 1, timeout=self.duration + 1) else cache.incr(key)
        if count <= self.num_requests:
            return True
        self.wait_seconds = (window + 1) * self.duration - now
        self.throttled(request)
        return False

    def throttled(self, request) -> None:
        """Hook for subclasses that log refusals."""

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


# --- Django-level error pages (outside DRF views, DEBUG off) -----------------------------------
def json_not_found(request, exception=None) -> JsonResponse:
    """Unknown URLs answer in the API's error shape instead of an HTML page."""
    return JsonResponse({"detail": "Not found."}, status=404)


def json_server_error(request) -> JsonResponse:
    return JsonResponse({"detail": "Internal server error."}, status=500)
