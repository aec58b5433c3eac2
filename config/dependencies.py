"""Dependency outages (cache, database, object storage) answered as a 503 in one place.

A dead or frozen dependency is not a bug in the request: the client gets a 503 naming the
dependency with `Retry-After` (DEPENDENCY_RETRY_AFTER), and the log gets ONE warning line with the
error's class and text, never a traceback. The DRF exception handler (config.api.exceptions) and
`DependencyFailureMiddleware` (admin, dashboard, every non-DRF path) both use `outage_of`.
README "Failure behaviour" lists what each fault answers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError as DjangoInterfaceError
from django.db import OperationalError as DjangoOperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from django_redis.exceptions import ConnectionInterrupted
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from config.errors import ServiceUnavailableError

logger = logging.getLogger("facility.dependencies")

CACHE = "cache"
DATABASE = "database"
STORAGE = "storage"

DETAILS = {
    CACHE: _("cache unavailable"),
    DATABASE: _("database unavailable"),
    STORAGE: _("storage unavailable"),
}


class DependencyUnavailable(ServiceUnavailableError):
    """503: the named dependency (cache, database, storage) did not answer; nothing was done
    unless the answer says otherwise. Raised where code detects an outage itself."""

    def __init__(self, dependency: str, detail: str | None = None) -> None:
        self.dependency = dependency
        super().__init__(detail or unavailable_detail(dependency))
        self.retry_after = retry_after()


def retry_after() -> int:
    return max(1, int(getattr(settings, "DEPENDENCY_RETRY_AFTER", 5)))


# django-redis wraps a dead server in ConnectionInterrupted; redis-py raises its own errors.
CACHE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionInterrupted,
    RedisConnectionError,
    RedisTimeoutError,
)
DATABASE_ERRORS: tuple[type[BaseException], ...] = (DjangoOperationalError, DjangoInterfaceError)


def is_cache_error(exc: BaseException) -> bool:
    """Whether `exc` is the cache (Redis) being unreachable, frozen or refusing commands."""
    return isinstance(exc, CACHE_ERRORS)


def outage_of(exc: BaseException) -> str | None:
    """The dependency whose outage `exc` is (CACHE, DATABASE, STORAGE), or None for any other error.

    A database OperationalError is an outage (connection refused or lost, connect or statement
    timeout); an IntegrityError or DataError is not (those are the data's fault, mapped elsewhere).
    """
    if isinstance(exc, DependencyUnavailable):
        return exc.dependency
    if is_cache_error(exc):
        return CACHE
    if isinstance(exc, DATABASE_ERRORS):
        return DATABASE
    return None


def one_line(exc: BaseException) -> str:
    """`Class: first line of the message`, bounded: what the single log line says about `exc`."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text}"[:300]


def log_outage(dependency: str, exc: BaseException, where: str) -> None:
    """The one log line of an outage answered as a 503 (no traceback): the underlying error's."""
    logger.warning("%s unavailable at %s: %s", dependency, where, one_line(exc.__cause__ or exc))


DEGRADED_LOG_INTERVAL = 10.0  # seconds between two "degraded" lines of one kind, per process
_degraded_logged: dict[str, float] = {}


def log_degraded(dependency: str, exc: BaseException, how: str) -> None:
    """A request that still succeeds without `dependency` (auth from the database, a throttle
    failing open) logs that at most once per DEGRADED_LOG_INTERVAL per kind: while Redis is down
    every request degrades, and the log must not grow a line per request for it."""
    now = time.monotonic()
    if now - _degraded_logged.get(how, -DEGRADED_LOG_INTERVAL) < DEGRADED_LOG_INTERVAL:
        return
    _degraded_logged[how] = now
    logger.warning("%s unavailable, %s: %s", dependency, how, one_line(exc.__cause__ or exc))


def outage_body(dependency: str) -> dict[str, Any]:
    return {"detail": unavailable_detail(dependency)}


def unavailable_detail(dependency: str) -> str:
    """ "<dependency> unavailable", in the active language."""
    if dependency in DETAILS:
        return str(DETAILS[dependency])
    return _("%(dependency)s unavailable") % {"dependency": dependency}


class DependencyFailureMiddleware:
    """503 JSON (with Retry-After) for a dependency outage raised by a non-DRF view (admin,
    dashboard, docs); DRF views answer through config.api.exceptions the same way."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        dependency = outage_of(exc)
        if dependency is None:
            return None
        return outage_response(request, dependency, exc)


def outage_response(request: HttpRequest, dependency: str, exc: BaseException) -> JsonResponse:
    """The 503 JSON answer of an outage outside DRF, logged in one line (and marked as logged, so
    Django's request logger adds no traceback)."""
    from config.api.exceptions import error_body

    log_outage(dependency, exc, f"{request.method} {request.path}")
    response = JsonResponse(error_body(request.path_info, outage_body(dependency)["detail"]), status=503)
    response["Retry-After"] = str(retry_after())
    response._has_been_logged = True
    return response


def safely(what: str, action: Callable[[], Any]) -> Callable[[], None]:
    """`action` wrapped for `transaction.on_commit`: a cache outage there is logged in one line and
    swallowed, so a committed write still answers its 2xx (the caches heal by their TTL)."""

    def run() -> None:
        try:
            action()
        except Exception as exc:
            if outage_of(exc) is None:
                raise
            logger.warning("after-commit %s skipped, %s unavailable: %s", what, outage_of(exc), one_line(exc))

    return run
