"""Liveness and readiness endpoints; apps add their own readiness checks with `register_check`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.cache import security_alias, security_cache

_CHECKS: dict[str, Callable[[], object]] = {}


class CheckWarning(Exception):
    """Raised by a check whose dependency is unwell but optional here: the entry says "warning"
    (with the message and `details`) and readiness holds."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


class CheckFailed(RuntimeError):
    """A failed check that carries fields for its entry (e.g. the subscriber's backlog)."""

    def __init__(self, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.details = details or {}


def register_check(name: str, check: Callable[[], object]) -> None:
    """Add a readiness check: a callable that raises when its dependency is not usable. It may
    return a short description (the entry's `backend`) or a dict of fields for its entry."""
    _CHECKS[name] = check


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return connection.vendor


def _round_trip(backend, what: str) -> None:
    key = f"health:{uuid.uuid4().hex}"
    backend.set(key, "1", timeout=5)
    if backend.get(key) != "1":
        raise RuntimeError(f"{what} did not return the value just written")
    backend.delete(key)


def check_cache() -> str:
    _round_trip(cache, "cache")
    return caches["default"].__class__.__name__


def check_security_cache() -> str:
    """The cache of lockouts, throttles and revocations, when it is a store of its own."""
    alias = security_alias()
    if alias == "default" or settings.CACHES[alias] == settings.CACHES["default"]:
        return "the default cache"
    _round_trip(security_cache, "security cache")
    return caches[alias].__class__.__name__


def check_storage() -> str:
    name = default_storage.save(f"health/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        if not default_storage.exists(name):
            raise RuntimeError("storage did not keep the file just written")
    finally:
        default_storage.delete(name)
    return default_storage.__class__.__name__


register_check("database", check_database)
register_check("cache", check_cache)
register_check("security_cache", check_security_cache)
register_check("storage", check_storage)


def run_checks() -> tuple[bool, dict[str, dict]]:
    """Run every registered check; never raises, so one broken dependency cannot hide the others."""
    results: dict[str, dict] = {}
    healthy = True
    for name, check in _CHECKS.items():
        start = time.perf_counter()
        try:
            info = check()
            entry = {"status": "ok"}
            if isinstance(info, dict):
                entry.update(info)
            elif info:
                entry["backend"] = str(info)
        except CheckWarning as exc:
            entry = {"status": "warning", "warning": str(exc)[:300], **exc.details}
        except Exception as exc:
            healthy = False
            entry = {"status": "error", "error": f"{exc.__class__.__name__}: {exc}"[:300]}
            entry.update(getattr(exc, "details", None) or {})
        entry["latency_ms"] = round((time.perf_counter() - start) * 1000, 2)
        results[name] = entry
    return healthy, results


class HealthView(APIView):
    """Liveness: answers without touching any dependency."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "Health",
            {
                "status": serializers.CharField(),
                "version": serializers.CharField(),
                "time": serializers.DateTimeField(),
            },
        )
    )
    def get(self, request: Request) -> Response:
        return Response({"status": "healthy", "version": settings.VERSION, "time": timezone.now()})


class ReadinessView(APIView):
    """Readiness: 200 when every dependency answers, 503 naming the ones that did not."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            200: inline_serializer(
                "Readiness",
                {
                    "status": serializers.CharField(),
                    "warnings": serializers.ListField(child=serializers.CharField()),
                    "checks": serializers.DictField(),
                },
            ),
            503: inline_serializer(
                "ReadinessFailed",
                {
                    "status": serializers.CharField(),
                    "failed": serializers.ListField(child=serializers.CharField()),
                    "warnings": serializers.ListField(child=serializers.CharField()),
                    "checks": serializers.DictField(),
                },
            ),
        }
    )
    def get(self, request: Request) -> Response:
        healthy, results = run_checks()
        # An optional dependency that is unwell is named here but does not fail readiness.
        warnings = [name for name, entry in results.items() if entry["status"] == "warning"]
        if healthy:
            return Response({"status": "ready", "warnings": warnings, "checks": results})
        failed = [name for name, entry in results.items() if entry["status"] == "error"]
        return Response(
            {"status": "unavailable", "failed": failed, "warnings": warnings, "checks": results}, status=503
        )
