"""Shared benchmark plumbing: start the app under gunicorn, log in, time requests, report.

Benchmarks never run in the test suite; `make bench` runs them (bench/run.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/facility_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/9"
# The production shape (gunicorn.conf.py): 4 workers x 4 threads on the 2-core box.
WORKERS = 4
THREADS = 4


def bench_env(**overrides: str) -> dict[str, str]:
    """Environment for the server under test: production-like (DEBUG off), PostgreSQL + Redis on
    loopback, quiet logs, throttles raised so they do not cap the load."""
    env = dict(os.environ)
    env.setdefault("DJANGO_DEBUG", "False")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    env.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
    env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "False")
    # With DEBUG off whitenoise serves STATIC_ROOT; an empty one keeps it from warning per worker.
    env.setdefault("STATIC_ROOT", tempfile.mkdtemp(prefix="bench-static-"))
    env.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    env.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    env.setdefault("REQUEST_LOG_LEVEL", "WARNING")
    env.setdefault("THROTTLE_LOGIN", "100000/min")
    env.setdefault("THROTTLE_LOGIN_IP", "1000000/min")
    env.setdefault("THROTTLE_REFRESH", "1000000/min")
    env.setdefault("THROTTLE_OTP", "1000000/min")
    env.setdefault("THROTTLE_INGEST", "1000000/min")
    env.update(overrides)
    return env


def ensure_database(database_url: str) -> None:
    """Create the benchmark database if it does not exist (PostgreSQL only)."""
    url = urlparse(database_url)
    if not url.scheme.startswith("postgres"):
        return
    name = url.path.lstrip("/")
    import psycopg

    admin = f"host={url.hostname or '127.0.0.1'} port={url.port or 5432} user={url.username or 'postgres'}"
    with psycopg.connect(admin + " dbname=postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_server(
    env: dict[str, str],
    *,
    workers: int | None = None,
    threads: int = 1,
    url: str | None = None,
    prepare: bool = True,
) -> Iterator[str]:
    """Yield the base URL of a migrated, seeded app under gunicorn (or of `url` if given)."""
    if url:
        yield url.rstrip("/")
        return
    if prepare:
        ensure_database(env["DATABASE_URL"])
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "seed_demo", "--force")
    port = free_port()
    workers = workers or int(env.get("BENCH_WORKERS", (os.cpu_count() or 2) * 2))
    cmd = [
        sys.executable, "-m", "gunicorn", "config.wsgi:application",
        "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads),
        "--keep-alive", "30", "--log-level", "warning", "--backlog", "2048",
    ]  # fmt: skip
    with serving(cmd, port=port, cwd=ROOT, env=env, ready_path="/health") as base:
        yield base


@contextlib.contextmanager
def serving(
    cmd: list[str],
    *,
    port: int,
    cwd: Path,
    env: dict[str, str],
    ready_path: str,
    any_answer: bool = False,
    timeout: float = 30.0,
    output: Any = None,
) -> Iterator[str]:
    """Run a server command listening on `port`; yield its base URL once `ready_path` answers 200
    (any status with `any_answer`), and stop it (terminate, then kill after 15 s) afterwards."""
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=output, stderr=output)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                status, _ = request(base, "GET", ready_path)
                if status == 200 or any_answer:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(f"{cmd[0]} on port {port} did not become ready at {ready_path}")
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


class Client:
    """One keep-alive HTTP connection (one per load-generating thread)."""

    def __init__(self, base: str, token: str | None = None) -> None:
        url = urlparse(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
        self.headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"

    def call(self, method: str, path: str, body: object | None = None) -> tuple[int, object, float]:
        """Return (status, parsed body, seconds)."""
        payload = json.dumps(body) if body is not None else None
        start = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
            raw = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            raise
        elapsed = time.perf_counter() - start
        data = json.loads(raw) if raw else None
        return response.status, data, elapsed

    def close(self) -> None:
        self.conn.close()


def request(base: str, method: str, path: str, body: object | None = None, token: str | None = None):
    client = Client(base, token)
    try:
        status, data, _ = client.call(method, path, body)
        return status, data
    finally:
        client.close()


def login(base: str, username: str, password: str | None = None) -> str:
    password = password or os.environ.get("DEMO_PASSWORD", "Demo-pass-2026")
    status, data = request(base, "POST", "/api/v1/auth/login", {"username": username, "password": password})
    if status != 200:
        raise RuntimeError(f"login as {username} failed: {status} {data}")
    return data["access_token"]


def percentile(samples: list[float], pct: float) -> float:
    """Nearest-rank percentile in milliseconds (samples are seconds)."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    index = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index] * 1000


def latency_line(name: str, samples: list[float]) -> str:
    if not samples:
        return f"{name}: no samples"
    return (
        f"{name}: n={len(samples)} p50={percentile(samples, 50):.1f}ms "
        f"p95={percentile(samples, 95):.1f}ms p99={percentile(samples, 99):.1f}ms "
        f"mean={statistics.fmean(samples) * 1000:.1f}ms"
    )


def wrk(
    url: str,
    *,
    connections: int = 32,
    seconds: int = 10,
    token: str | None = None,
    headers: Sequence[str] = (),
    announce: bool = True,
    script: str | None = None,
) -> dict[str, object]:
    """Run wrk against one URL (printing the command, the token masked, when `announce`);
    {"rps", "p50", "p90", "p99", "non2xx", "socket_errors"} with latencies as wrk prints them."""
    import re

    cmd = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for header in [*([f"Authorization: Bearer {token}"] if token else []), *headers]:
        cmd += ["-H", header]
    if script:
        cmd += ["-s", script]
    cmd.append(url)
    if announce:
        shown = " ".join(cmd)
        print("$ " + (shown.replace(token, "…") if token else shown), flush=True)
    output = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    lat = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", output, re.MULTILINE))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": float(rps.group(1)) if rps else float("nan"),
        "p50": lat.get("50", "?"),
        "p90": lat.get("90", "?"),
        "p99": lat.get("99", "?"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": socket_errors.group(0) if socket_errors else "",
    }


def run_threads(count: int, target) -> None:
    """Run `target(index)` in `count` daemon threads and wait for all of them."""
    import threading

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
