"""Liveness and readiness endpoints; apps add their own readiness checks with `register_check`."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache, caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
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


# Checks still running past their deadline (a frozen dependency): never started twice at once, so a
# frozen store cannot pile up one blocked thread per probe.
_RUNNING: dict[str, threading.Thread] = {}
_RUNNING_LOCK = threading.Lock()


def _run_one(name: str, check: Callable[[], object], out: dict[str, dict]) -> None:
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
        entry = {"status": "error", "error": f"{exc.__class__.__name__}: {exc}"[:300]}
        entry.update(getattr(exc, "details", None) or {})
    finally:
        # The check ran in a thread of its own: its database connection is its own too.
        connections.close_all()
    entry["latency_ms"] = round((time.perf_counter() - start) * 1000, 2)
    out[name] = entry


def run_checks(timeout: float | None = None) -> tuple[bool, dict[str, dict]]:
    """Run every registered check, at once, each in a thread of its own under one deadline
    (READINESS_CHECK_TIMEOUT): a check that has not answered by then is an error ("timeout"), so a
    frozen dependency fails readiness within the deadline instead of hanging the probe. Never raises."""
    deadline = time.monotonic() + (settings.READINESS_CHECK_TIMEOUT if timeout is None else timeout)
    out: dict[str, dict] = {}
    results: dict[str, dict] = {}
    started: dict[str, threading.Thread] = {}
    with _RUNNING_LOCK:
        for name, check in _CHECKS.items():
            previous = _RUNNING.get(name)
            if previous is not None and previous.is_alive():
                results[name] = {"status": "error", "error": "timeout: the previous check is still running"}
                continue
            thread = threading.Thread(
                target=_run_one, args=(name, check, out), name=f"ready-{name}", daemon=True
            )
            _RUNNING[name] = started[name] = thread
            thread.start()
    for name, thread in started.items():
        thread.join(max(0.0, deadline - time.monotonic()))
        if name in out:
            results[name] = out[name]
        else:
            limit = settings.READINESS_CHECK_TIMEOUT if timeout is None else timeout
            results[name] = {"status": "error", "error": f"timeout: no answer within {limit:g}s"}
    ordered = {name: results[name] for name in _CHECKS if name in results}
    healthy = all(entry["status"] != "error" for entry in ordered.values())
    return healthy, ordered


# What anyone may see of a check's entry; the rest (backends, hosts, ports, error text, counters)
# is shown to staff only.
PUBLIC_FIELDS = ("status", "state", "latency_ms")


def _public(entry: dict) -> dict:
    return {key: entry[key] for key in PUBLIC_FIELDS if key in entry}


def _is_staff(request: Request) -> bool:
    """Whether the caller is an active staff user by a bearer token or a session. Any credential
    problem (or a dependency down while checking it) is simply "not staff": the probe never fails
    on it."""
    try:
        if request.META.get("HTTP_AUTHORIZATION"):
            from staff.auth.authentication import JWTAuthentication

            result = JWTAuthentication().authenticate(request)
            user = result[0] if result else None
        elif settings.SESSION_COOKIE_NAME in request.COOKIES:
            from django.contrib.auth import get_user

            # From the session itself: DRF has set request.user to anonymous (no authenticators here).
            user = get_user(request._request)
        else:
            return False
        return bool(user is not None and user.is_authenticated and user.is_active and user.is_staff)
    except Exception:
        return False


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
    """Readiness: 200 when every dependency answers, 503 naming the ones that did not, within
    READINESS_CHECK_TIMEOUT. Names and states are public; details (backends, hosts, error text) are
    for staff (a session or a bearer token of a staff user)."""

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
        if not _is_staff(request):
            results = {name: _public(entry) for name, entry in results.items()}
        # An optional dependency that is unwell is named here but does not fail readiness.
        warnings = [name for name, entry in results.items() if entry["status"] == "warning"]
        if healthy:
            return Response({"status": "ready", "warnings": warnings, "checks": results})
        failed = [name for name, entry in results.items() if entry["status"] == "error"]
        return Response(
            {"status": "unavailable", "failed": failed, "warnings": warnings, "checks": results}, status=503
        )
