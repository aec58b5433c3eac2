"""Where a hot endpoint's time goes under load: py-spy over every gunicorn worker while wrk runs.

    python -m bench.profile [--path /api/units/{unit}] [--duration 15] [--connections 32] [--user admin]
                            [--method POST --body '{"sensor_id": {sensor}, "value": 20.5}']

It starts ours as bench/common.py does (production shape, DEBUG off, PostgreSQL + Redis), logs in,
runs wrk against the path with a Bearer token while `py-spy record --subprocesses` samples the
master and its workers, and prints the share of worker samples in each part of the stack (the first
matching part, innermost first) — the server, middleware, authentication and its cache round trip,
the database, DRF dispatch, rendering — plus the top frames
by own time. `{unit}`, `{sensor}`, `{device}`, `{part}` (sku), `{part_id}` in --path and --body
are replaced by an object's id, `{n}` in --body by a number never sent before (a wrk Lua script
writes each request). The raw collapsed stacks are written to --out (flamegraph tools read them).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter

from bench.common import THREADS, WORKERS, bench_env, login, request, running_server, wrk

# A thread whose innermost frame is one of these holds no request: left out of the shares.
IDLE_LEAVES = (
    "_worker (concurrent/futures",
    "select (selectors.py",
    "wait (threading.py",
    "accept (socket.py",
)
# (label, substrings of a frame "function (file:line)"): a sample counts for the first label whose
# pattern appears in its stack, in this order (the innermost concerns first).
CATEGORIES = [
    ("database round trips (psycopg send/wait/fetch)", ("psycopg/",)),
    ("cache round trips (Redis client)", ("redis/", "django_redis")),
    ("JWT decode / auth checks", ("staff/auth/authentication.py", "rest_framework_simplejwt")),
    ("ORM query building and row conversion", ("django/db/models/", "django/db/backends/")),
    ("rendering (orjson, Response)", ("renderers.py", "orjson")),
    ("throttling / permission", ("throttling.py", "permissions.py")),
    ("middleware (Django's and ours)", ("django/middleware/", "config/middleware.py", "request_limits.py",
                                        "whitenoise", "contrib/sessions", "contrib/messages",
                                        "contrib/auth/middleware")),
    ("DRF dispatch, Request/Response, view", ("rest_framework/", "config/api/", "views.py", "selectors.py")),
    ("Django URL resolving and handler", ("django/urls/", "django/core/handlers")),
    ("gunicorn parsing/writing (WSGI server)", ("gunicorn/",)),
]  # fmt: skip


def summarise(collapsed: str, top: int = 15) -> None:
    """Shares of the busy worker samples (a thread serving a request, on CPU or waiting on I/O)."""
    counts: Counter[str] = Counter()
    own: Counter[str] = Counter()
    busy = idle = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        if not stack or "gunicorn/workers" not in stack:
            continue  # the master process, or a thread that is not a worker's
        n = int(count)
        if any(pattern in frames[-1] for pattern in IDLE_LEAVES):
            idle += n
            continue
        busy += n
        label = next((name for name, pats in CATEGORIES if any(p in stack for p in pats)), "other")
        counts[label] += n
        own[frames[-1]] += n
    if not busy:
        print("no busy worker samples (is py-spy allowed to attach?)")
        return
    print(f"\nworker thread samples: {busy} serving a request, {idle} idle (left out)")
    print(f"{'part of the stack (inclusive, first match)':<52} {'share':>7}")
    for label, n in counts.most_common():
        print(f"{label:<52} {n / busy:7.1%}")
    print(f"\ntop {top} frames by own time:")
    for frame, n in own.most_common(top):
        print(f"{n / busy:6.1%}  {frame[:140]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", default="/api/units/{unit}")
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS)
    parser.add_argument("--user", default="admin")
    parser.add_argument(
        "--wall",
        action="store_true",
        help="sample waiting threads too (py-spy --idle): where a request's wall time goes, GIL waits "
        "after I/O counted as the I/O; default: on-CPU samples only (where the cores go)",
    )
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body", default="", help="JSON body of each request ({n}: a fresh number)")
    parser.add_argument("--out", default=os.path.join(tempfile.gettempdir(), "bench-profile.txt"))
    args = parser.parse_args(argv)
    if not (shutil.which("wrk") and os.path.exists(_py_spy())):
        print("wrk and py-spy are needed", file=sys.stderr)
        return 1
    env = bench_env(
        DATABASE_URL=os.environ.get(
            "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/facility_bench_peers"
        ),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
    )
    with running_server(env, workers=args.workers, threads=args.threads) as base:
        token = login(base, args.user)
        ids = objects(base, token)
        path = args.path.format(**ids)
        body = args.body
        for key, value in ids.items():
            body = body.replace("{" + key + "}", value)
        headers = ["Content-Type: application/json"]
        script = lua_script(args.method, body) if args.method != "GET" else None
        if not script:
            status, answer = request(base, "GET", path, token=token)
            if status != 200:
                raise RuntimeError(f"{path}: {status} {answer}")
        master = gunicorn_master(base)
        load = dict(connections=args.connections, token=token, headers=headers, script=script)
        wrk(base + path, seconds=2, announce=False, **load)
        idle = ["--idle"] if args.wall else []
        spy = subprocess.Popen(
            [_py_spy(), "record", "--pid", str(master), "--subprocesses", *idle, "--format", "raw",
             "--duration", str(args.duration + 2), "--rate", "200", "--output", args.out, "--nonblocking"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        fig = wrk(base + path, seconds=args.duration, **load)
        spy.wait()
    print(f"{args.method} {args.path}: {fig['rps']:.0f} req/s, p50 {fig['p50']}, p99 {fig['p99']}, "
          f"non-2xx {fig['non2xx']}")  # fmt: skip
    with open(args.out) as handle:
        summarise(handle.read())
    print(f"(collapsed stacks: {args.out})")
    return 0


LUA = """
local counter, salt = 0, 0
wrk.method = "%s"
init = function(args)
  math.randomseed(os.time() + tonumber(string.sub(tostring({}), 8), 16))
  salt = math.random(1, 1000000000)
end
request = function()
  counter = counter + 1
  local body = string.gsub([==[%s]==], "{n}", string.format("%%.0f", salt * 1000000 + counter))
  return wrk.format(nil, nil, nil, body)
end
"""


def lua_script(method: str, body: str) -> str:
    """A wrk script sending `body` with `{n}` replaced by a number no other request used."""
    with tempfile.NamedTemporaryFile("w", prefix="bench-wrk-", suffix=".lua", delete=False) as handle:
        handle.write(LUA % (method, body))
    return handle.name


def _py_spy() -> str:
    return shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")


def objects(base: str, token: str) -> dict[str, str]:
    """Ids of benchmark objects for the path template (created by the other benchmarks or seed_demo)."""
    result = {}
    status, units = request(base, "GET", "/api/units/?limit=1", token=token)
    if status == 200 and units:
        result["unit"] = str(units[0]["id"])
    status, sensors = request(base, "GET", "/api/sensors/?limit=1", token=token)
    if status == 200 and sensors:
        result["sensor"] = str(sensors[0]["id"])
    status, devices = request(base, "GET", "/device/?limit=1", token=token)
    if status == 200 and devices:
        result["device"] = str(devices[0]["id"])
    status, parts = request(base, "GET", "/api/v1/items/?limit=1", token=token)
    if status == 200 and parts:
        result["part"] = str(parts[0]["sku"])
        result["part_id"] = str(parts[0]["id"])
    return result


def gunicorn_master(base: str) -> int:
    """The pid of the gunicorn listening on base's port."""
    port = base.rsplit(":", 1)[1]
    out = subprocess.run(["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True).stdout
    pids = [int(pid) for pid in re.findall(r"pid=(\d+)", out)]
    if not pids:
        raise RuntimeError(f"no process listens on {port}")
    return min(pids)


if __name__ == "__main__":
    sys.exit(main())
