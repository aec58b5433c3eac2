"""What each layer costs per request, next to what the framework itself costs.

    python -m bench.overhead [--duration 10] [--connections 32] [--workers 2] [--threads 8] [--requests 3000]

Under one gunicorn shape (PostgreSQL + Redis, DEBUG off, bench/common.py) it measures with wrk:
(a) a plain Django view returning a constant JSON body with no middleware, (b) a DRF APIView
returning it with no authentication, (c) a DRF APIView making one PostgreSQL query (the status
read's own query), all three served by a second server with no middleware (bench/overhead_urls.py),
then (d) GET /device/{id}/status and (e) GET /jabatan/{id} with a Bearer token on the project
itself, and prints req/s, p50/p99 and each one's ratio to (c).

Then it profiles (d) in-process over a fixed number of requests (no network, one thread): each
middleware, authentication, cache and database round trips (the connection health check apart),
permission, throttling, the view, rendering, and the rest (URL resolving, DRF dispatch, request
and response objects), as microseconds per request.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import sys
import threading
import time
from collections import defaultdict

from bench.common import bench_env, login, request, running_server, wrk

DEVICE_ID = "d56e6e42-bf24-4c5b-9085-6a5d4d28e5f1"  # "Main Door Lock" from seed_demo


class NestedTimers:
    """Own time per label: a wrapped call's time minus the wrapped calls inside it."""

    def __init__(self) -> None:
        self.local = threading.local()
        self.own: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.own.clear()
        self.calls.clear()

    def wrap(self, fn, label: str):
        timers = self

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            stack = timers.local.__dict__.setdefault("stack", [])
            stack.append(0.0)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                inner = stack.pop()
                timers.own[label] += elapsed - inner
                timers.calls[label] += 1
                if stack:
                    stack[-1] += elapsed

        return timed

    def patch(self, owner: type, name: str, label: str) -> None:
        setattr(owner, name, self.wrap(getattr(owner, name), label))


def layer_profile(env: dict[str, str], token: str, requests_count: int) -> None:
    """Profile GET /device/{id}/status in this process against the same database and cache."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import caches
    from django.core.handlers.base import BaseHandler
    from django.core.handlers.wsgi import WSGIHandler
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.test.client import RequestFactory
    from django.utils.module_loading import import_string
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.views import APIView

    from config.api.permissions import ActionPermission
    from config.api.renderers import ORJSONRenderer
    from locks.views import DeviceViewSet
    from staff.auth.authentication import JWTAuthentication

    timers = NestedTimers()
    for dotted in settings.MIDDLEWARE:
        cls = import_string(dotted)
        timers.patch(cls, "__call__", f"middleware {cls.__name__}")
    # The innermost middleware calls this: URL resolving and the view call, DRF's dispatch included.
    timers.patch(BaseHandler, "_get_response", "URL resolving, DRF dispatch, Request/Response")
    timers.patch(JWTAuthentication, "authenticate", "authentication (JWT decode, checks)")
    timers.patch(type(caches["default"]), "get_many", "cache round trips (auth record, deny-list)")
    timers.patch(BaseDatabaseWrapper, "close_if_health_check_failed", "db: connection health check")
    timers.patch(CursorWrapper, "execute", "db: query round trips")
    timers.patch(ActionPermission, "has_permission", "permission (has_perms)")
    timers.patch(APIView, "check_throttles", "throttling")
    timers.patch(DefaultContentNegotiation, "select_renderer", "content negotiation")
    timers.patch(DeviceViewSet, "device_status", "view (excluding its query)")
    timers.patch(ORJSONRenderer, "render", "rendering (orjson)")

    handler = WSGIHandler()
    environ = RequestFactory()._base_environ(
        PATH_INFO=f"/device/{DEVICE_ID}/status",
        REQUEST_METHOD="GET",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        SERVER_NAME="127.0.0.1",
        HTTP_HOST="127.0.0.1",
    )

    def start_response(status: str, headers: list) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"status read answered {status}")

    root = timers.wrap(lambda: b"".join(handler(dict(environ), start_response)), "total")
    for _ in range(200):
        root()
    timers.reset()
    started = time.perf_counter()
    for _ in range(requests_count):
        root()
    wall = time.perf_counter() - started
    total = timers.own.pop("total") + sum(timers.own.values())
    rest = total - sum(timers.own.values())
    print(f"\nper-layer cost of GET /device/{{id}}/status, in-process, {requests_count} requests, one thread")
    print(f"{'layer':<50} {'us/req':>8} {'share':>7} {'calls/req':>9}")
    rows = sorted(timers.own.items(), key=lambda item: -item[1])
    for label, seconds in [*rows, ("rest: WSGI request/response objects, signals", rest)]:
        per = seconds / requests_count * 1e6
        calls = timers.calls.get(label, 0) / requests_count
        print(f"{label:<50} {per:8.1f} {seconds / total:7.1%} {calls:9.2f}")
    print(f"{'total':<50} {total / requests_count * 1e6:8.1f} {1:7.1%}")
    print(f"(wall {wall / requests_count * 1e6:.0f} us/req including the timers' own cost)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per endpoint.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", 2)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", 8)))
    parser.add_argument("--requests", type=int, default=3000, help="requests in the layer profile.")
    args = parser.parse_args(argv)
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1

    env = bench_env()
    baseline_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.overhead_settings"}
    figures: dict[str, dict] = {}
    shape = dict(workers=args.workers, threads=args.threads)
    print(f"gunicorn {args.workers} workers x {args.threads} threads, wrk {args.connections} connections, "
          f"{args.duration}s each", flush=True)  # fmt: skip
    with running_server(env, **shape) as base:
        token = login(base, "operator1")
        status, positions = request(base, "GET", "/jabatan/?limit=1", token=token)
        if status != 200 or not positions:
            raise RuntimeError(f"no jabatan to read: {status} {positions}")
        position_id = positions[0]["id_jabatan"]
        with running_server(baseline_env, prepare=False, **shape) as plain_base:
            targets = [
                ("(a) Django view, no middleware", f"{plain_base}/a", None),
                ("(b) DRF APIView, no auth", f"{plain_base}/b", None),
                ("(c) DRF APIView, one PostgreSQL query", f"{plain_base}/c/{DEVICE_ID}", None),
            ]
            for name, url, tok in targets:
                figures[name] = wrk(
                    url, connections=args.connections, seconds=args.duration, token=tok, announce=False
                )
        for name, url in [
            ("(d) GET /device/{id}/status, Bearer", f"{base}/device/{DEVICE_ID}/status"),
            ("(e) GET /jabatan/{id}, Bearer", f"{base}/jabatan/{position_id}"),
        ]:
            figures[name] = wrk(
                url, connections=args.connections, seconds=args.duration, token=token, announce=False
            )

    reference = figures["(c) DRF APIView, one PostgreSQL query"]["rps"]
    print(f"\n{'endpoint':<42} {'req/s':>8} {'p50':>9} {'p99':>9} {'vs (c)':>7} {'non-2xx':>8}")
    for name, fig in figures.items():
        print(
            f"{name:<42} {fig['rps']:8.0f} {fig['p50']:>9} {fig['p99']:>9} "
            f"{fig['rps'] / reference:7.0%} {fig['non2xx']:>8}"
        )
    aim = figures["(d) GET /device/{id}/status, Bearer"]["rps"]
    print(f"aim: (d) >= 70% of (c) and >= 1200 req/s -> {aim / reference:.0%}, {aim:.0f} req/s")
    failed = any(fig["non2xx"] for fig in figures.values())

    layer_profile(env, token, args.requests)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
