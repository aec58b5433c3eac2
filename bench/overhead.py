"""What each layer costs per request on every app's hot path, next to a bare Django view making the
same database and cache round trips.

    python -m bench.overhead [--duration 10] [--connections 32] [--workers 2] [--threads 8] [--requests 2000]
                             [--only lock-status,unit-detail,...] [--layers-only]

Under one gunicorn shape (PostgreSQL + Redis, DEBUG off, bench/common.py) it first records, in this
process, the Redis commands and SQL statements one request of each hot path sends (HOT_PATHS: the
lock status, a position, a sensors unit and the reading list, the parts list, the machines list).
A second server with no middleware (bench/overhead_urls.py) then serves (a) a plain Django view,
(b) a DRF APIView with no authentication, (c) a DRF APIView making the status read's query, and (r)
for each hot path a bare Django view replaying exactly its recorded round trips and rendering the
rows with orjson. wrk measures each, then each hot path on the project itself with a Bearer token,
and the table gives ours / bare per path (the aim is >= 90 %).

Then it profiles each hot path in-process over a fixed number of requests (no network, one thread):
each middleware, authentication, cache and database round trips, permission, throttling, DRF
dispatch with the view's own code, rendering, and the rest, as microseconds per request.
"""

from __future__ import annotations

import argparse
import functools
import io
import itertools
import json
import os
import pickle
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict

from bench.common import THREADS, WORKERS, bench_env, login, request, running_server, wrk
from bench.profile import objects

DEVICE_ID = "d56e6e42-bf24-4c5b-9085-6a5d4d28e5f1"  # "Main Door Lock" from seed_demo
# (slug, path template): the GET each app's clients make most; ids from bench.profile.objects.
HOT_PATHS = [
    ("lock-status", "/device/{device}/status"),
    ("position-detail", "/jabatan/{position}"),
    ("unit-detail", "/api/units/{unit}"),
    ("reading-list", "/api/sensor-data/?limit=50"),
    ("parts-list", "/api/v1/items/?limit=10"),
    ("machines-list", "/api/v1/data/machines?limit=10"),
]
# Not a GET: one POST /otp/generate then its POST /otp/verify, a fresh id each time (layers only).
OTP_PAIR = "otp-pair"


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


def setup_django(env: dict[str, str]):
    """Django in this process against the benchmark database and cache; the WSGI handler."""
    os.environ.update(env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def call(handler, token: str, path: str, body: dict | None = None) -> bytes:
    """One request through the WSGI handler (a JSON POST when `body` is given); it must answer 200."""
    from django.test.client import RequestFactory

    if path == OTP_PAIR:
        return otp_pair(handler)
    path_info, _, query = path.partition("?")
    payload = json.dumps(body).encode() if body is not None else b""
    environ = RequestFactory()._base_environ(
        PATH_INFO=path_info,
        QUERY_STRING=query,
        REQUEST_METHOD="GET" if body is None else "POST",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        SERVER_NAME="127.0.0.1",
        HTTP_HOST="127.0.0.1",
        CONTENT_TYPE="application/json",
        CONTENT_LENGTH=str(len(payload)),
        **{"wsgi.input": io.BytesIO(payload)},
    )

    def start_response(status: str, headers: list) -> None:
        if not status.startswith("200"):
            raise RuntimeError(f"{path} answered {status}")

    return b"".join(handler(environ, start_response))


_otp_ids = itertools.count()


def otp_pair(handler) -> bytes:
    """Generate a code for a fresh id, then verify it (OTP_RETURN_CODE is on in this process)."""
    ident = f"bench-{os.getpid()}-{next(_otp_ids)}"
    code = json.loads(call(handler, "", "/otp/generate", {"id": ident}))["otp"]
    return call(handler, "", "/otp/verify", {"id": ident, "otp": code})


def capture(handler, token: str, paths: dict[str, str]) -> dict[str, dict]:
    """The Redis commands and SQL statements one (warm) request of each path sends."""
    import redis
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    record: list = []
    command, execute = redis.Redis.execute_command, redis.client.Pipeline.execute

    def spy_command(self, *args, **options):
        record.append(("command", args))
        return command(self, *args, **options)

    def spy_execute(self, raise_on_error: bool = True):
        record.append(("pipeline", self.transaction, [args for args, _ in self.command_stack]))
        return execute(self, raise_on_error)

    plans = {}
    redis.Redis.execute_command, redis.client.Pipeline.execute = spy_command, spy_execute
    try:
        for name, path in paths.items():
            call(handler, token, path)
            record.clear()
            with CaptureQueriesContext(connection) as queries:
                call(handler, token, path)
            plans[name] = {"redis": list(record), "sql": [q["sql"] for q in queries.captured_queries]}
    finally:
        redis.Redis.execute_command, redis.client.Pipeline.execute = command, execute
    return plans


def layer_profile(handler, token: str, paths: dict[str, str], requests_count: int) -> None:
    """Own time per layer of each path, in this process, against the same database and cache."""
    import redis
    from django.conf import settings
    from django.core.cache import caches
    from django.core.handlers.base import BaseHandler
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper
    from django.utils.module_loading import import_string
    from rest_framework.negotiation import DefaultContentNegotiation
    from rest_framework.views import APIView

    from config.api.permissions import ActionPermission
    from config.api.renderers import ORJSONRenderer
    from staff.auth.authentication import JWTAuthentication

    timers = NestedTimers()
    for dotted in settings.MIDDLEWARE:
        cls = import_string(dotted)
        timers.patch(cls, "__call__", f"middleware {cls.__name__}")
    timers.patch(BaseHandler, "_get_response", "URL resolving, Request/Response")
    timers.patch(APIView, "dispatch", "DRF dispatch and the view's own code")
    timers.patch(JWTAuthentication, "authenticate", "authentication (JWT decode, checks)")
    for backend in {type(caches[alias]) for alias in {"default", "security"} & set(settings.CACHES)}:
        for method in ("get_many", "get", "set", "add", "incr", "delete"):
            timers.patch(backend, method, "cache round trips")
    timers.patch(redis.commands.core.Script, "__call__", "cache round trips")  # the OTP scripts
    timers.patch(BaseDatabaseWrapper, "close_if_health_check_failed", "db: connection health check")
    timers.patch(CursorWrapper, "execute", "db: query round trips")
    timers.patch(ActionPermission, "has_permission", "permission (has_perms)")
    timers.patch(APIView, "check_throttles", "throttling")
    timers.patch(DefaultContentNegotiation, "select_renderer", "content negotiation")
    timers.patch(ORJSONRenderer, "render", "rendering (orjson)")

    table: dict[str, dict[str, float]] = {}
    for name, path in paths.items():
        root = timers.wrap(lambda path=path: call(handler, token, path), "total")
        for _ in range(100):
            root()
        timers.reset()
        for _ in range(requests_count):
            root()
        total = timers.own.pop("total") + sum(timers.own.values())
        column = {label: seconds / requests_count * 1e6 for label, seconds in timers.own.items()}
        column["rest: WSGI objects, signals, the timers"] = total / requests_count * 1e6 - sum(
            column.values()
        )
        column["total"] = total / requests_count * 1e6
        table[name] = column
    labels = sorted(
        {label for column in table.values() for label in column}, key=lambda lb: (lb == "total", lb)
    )
    print(
        f"\nper-layer cost, microseconds per request (in-process, {requests_count} requests each, one thread)"
    )
    print(f"{'layer':<46}" + "".join(f"{name:>15}" for name in table))
    for label in labels:
        print(f"{label[:46]:<46}" + "".join(f"{column.get(label, 0.0):15.0f}" for column in table.values()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="wrk seconds per endpoint.")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=int(os.environ.get("BENCH_WORKERS", WORKERS)))
    parser.add_argument("--threads", type=int, default=int(os.environ.get("BENCH_THREADS", THREADS)))
    parser.add_argument("--requests", type=int, default=2000, help="requests per path in the layer profile.")
    parser.add_argument("--only", default="", help="comma-separated hot path slugs (default: all)")
    parser.add_argument(
        "--layers-only", action="store_true", help="round trips and the in-process layer table, no wrk."
    )
    args = parser.parse_args(argv)
    if not args.layers_only and not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 1
    wanted = [slug for slug in args.only.split(",") if slug] or [slug for slug, _ in HOT_PATHS] + [OTP_PAIR]

    env = bench_env()
    figures: dict[str, dict] = {}
    shape = dict(workers=args.workers, threads=args.threads)
    print(f"gunicorn {args.workers} workers x {args.threads} threads, wrk {args.connections} connections, "
          f"{args.duration}s each", flush=True)  # fmt: skip
    with running_server(env, **shape) as base:
        token = login(base, "operator1")
        ids = objects(base, token)
        status, positions = request(base, "GET", "/jabatan/?limit=1", token=token)
        if status == 200 and positions:
            ids["position"] = str(positions[0]["id_jabatan"])
        paths = {slug: path.format(**ids) for slug, path in HOT_PATHS if slug in wanted}
        if args.layers_only and OTP_PAIR in wanted:
            paths[OTP_PAIR] = OTP_PAIR
        handler = setup_django({**env, "OTP_RETURN_CODE": "True"})
        plans = capture(handler, token, paths)
        if args.layers_only:
            for slug, plan in plans.items():
                print(f"{slug}: {len(plan['redis'])} Redis + {len(plan['sql'])} SQL")
                for trip in plan["redis"]:
                    print(f"    redis {str(trip)[:110]}")
            layer_profile(handler, token, paths, args.requests)
            return 0
        with tempfile.NamedTemporaryFile(prefix="bench-replay-", suffix=".pickle", delete=False) as replay:
            pickle.dump(plans, replay)
        baseline_env = {
            **env,
            "DJANGO_SETTINGS_MODULE": "bench.overhead_settings",
            "BENCH_REPLAY_FILE": replay.name,
        }
        with running_server(baseline_env, prepare=False, **shape) as plain_base:
            targets = [
                ("(a) Django view, no middleware", f"{plain_base}/a"),
                ("(b) DRF APIView, no auth", f"{plain_base}/b"),
                ("(c) DRF APIView, one PostgreSQL query", f"{plain_base}/c/{DEVICE_ID}"),
                *[(f"(r) bare {slug}", f"{plain_base}/r/{slug}") for slug in paths],
            ]
            for name, url in targets:
                figures[name] = wrk(url, connections=args.connections, seconds=args.duration, announce=False)
        for slug, path in paths.items():
            figures[slug] = wrk(
                base + path, connections=args.connections, seconds=args.duration, token=token, announce=False
            )
        os.unlink(replay.name)

    print(f"\n{'endpoint':<42} {'req/s':>8} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
    for name, fig in figures.items():
        print(f"{name:<42} {fig['rps']:8.0f} {fig['p50']:>9} {fig['p99']:>9} {fig['non2xx']:>8}")
    head = f"{'round trips':>12} {'bare req/s':>11} {'ours req/s':>11} {'ours/bare':>10}"
    print(f"\n{'hot path (Bearer)':<20} {head}")
    for slug, path in paths.items():
        bare, ours = figures[f"(r) bare {slug}"]["rps"], figures[slug]["rps"]
        trips = f"{len(plans[slug]['redis'])} R + {len(plans[slug]['sql'])} SQL"
        mark = "" if ours >= 0.9 * bare else "  < 90 %"
        print(f"{slug:<20} {trips:>12} {bare:11.0f} {ours:11.0f} {ours / bare:10.0%}{mark}   {path}")
    failed = any(fig["non2xx"] for fig in figures.values())

    layer_profile(handler, token, paths, args.requests)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
