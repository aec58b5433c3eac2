"""OTP benchmark: generate → verify pairs with a fresh id every time, and a correctness check.

    python -m bench.otp [--url URL] [--clients 32] [--duration 20] [--workers 2] [--threads 8]

Without --url it starts the app under gunicorn against PostgreSQL + Redis (DATABASE_URL / REDIS_URL,
see bench/common.py) with production settings (DEBUG off), THROTTLE_OTP raised and OTP_RETURN_CODE
on so the clients can read the code. Each client loops: POST /otp/generate with a new id, then
POST /otp/verify with the code it got. Prints pairs/s and p50/p99 of each call; exit status 1 unless
every verify of a fresh correct code answered 200 (and every generate 200).
"""

from __future__ import annotations

import argparse
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field

from bench.common import THREADS, WORKERS, Client, bench_env, latency_line, percentile, running_server


@dataclass
class Stats:
    """Per-client counters and samples; merged after the run (no shared lock in the hot loop)."""

    pairs: int = 0
    generate_failures: int = 0
    verify_failures: int = 0
    errors: int = 0
    generate_samples: list[float] = field(default_factory=list)
    verify_samples: list[float] = field(default_factory=list)
    first_problem: str = ""

    def merge(self, other: Stats) -> None:
        self.pairs += other.pairs
        self.generate_failures += other.generate_failures
        self.verify_failures += other.verify_failures
        self.errors += other.errors
        self.generate_samples += other.generate_samples
        self.verify_samples += other.verify_samples
        self.first_problem = self.first_problem or other.first_problem


def client_loop(base: str, index: int, run_id: str, stop_at: float, stats: Stats) -> None:
    """One keep-alive connection doing generate → verify with a never-repeated id until `stop_at`."""
    client = Client(base)
    n = 0
    try:
        while time.perf_counter() < stop_at:
            n += 1
            ident = f"bench-{run_id}-{index}-{n}"
            try:
                status, body, elapsed = client.call("POST", "/otp/generate", {"id": ident})
                stats.generate_samples.append(elapsed)
                if status != 200 or not isinstance(body, dict) or "otp" not in body:
                    stats.generate_failures += 1
                    stats.first_problem = stats.first_problem or f"generate {status} {body}"
                    continue
                status, body, elapsed = client.call("POST", "/otp/verify", {"id": ident, "otp": body["otp"]})
                stats.verify_samples.append(elapsed)
                if status != 200:
                    stats.verify_failures += 1
                    stats.first_problem = stats.first_problem or f"verify {status} {body}"
                    continue
                stats.pairs += 1
            except OSError as exc:
                stats.errors += 1
                stats.first_problem = stats.first_problem or f"connection error {exc!r}"
                client.close()
                client = Client(base)
    finally:
        client.close()


def run(base: str, clients: int, duration: float) -> Stats:
    """Warm up every worker briefly, then run `clients` closed-loop clients for `duration` seconds."""
    run_id = secrets.token_hex(4)
    warmup = Stats()
    client_loop(base, -1, run_id, time.perf_counter() + 1.0, warmup)
    per_client = [Stats() for _ in range(clients)]
    stop_at = time.perf_counter() + duration
    threads = [
        threading.Thread(target=client_loop, args=(base, i, run_id, stop_at, per_client[i]), daemon=True)
        for i in range(clients)
    ]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    total = Stats()
    for stats in per_client:
        total.merge(stats)
    rate = total.pairs / elapsed if elapsed else 0.0
    print(
        f"clients={clients} duration={elapsed:.1f}s pairs={total.pairs} -> {rate:.0f} generate+verify pairs/s"
    )
    print(latency_line("POST /otp/generate", total.generate_samples))
    print(latency_line("POST /otp/verify  ", total.verify_samples))
    print(
        f"p50/p99: generate {percentile(total.generate_samples, 50):.1f}/"
        f"{percentile(total.generate_samples, 99):.1f} ms, verify {percentile(total.verify_samples, 50):.1f}/"
        f"{percentile(total.verify_samples, 99):.1f} ms"
    )
    verifies = total.pairs + total.verify_failures
    print(
        f"check: {total.pairs}/{verifies} verifies of a fresh correct code answered 200; "
        f"generate failures={total.generate_failures}, connection errors={total.errors}"
    )
    if total.first_problem:
        print(f"first problem: {total.first_problem}")
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--url", help="benchmark a running server instead of starting gunicorn")
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of measured load")
    # The production shape of gunicorn.conf.py: gthread, 4 workers x 4 threads (keep-alive clients).
    parser.add_argument("--workers", type=int, default=WORKERS, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=THREADS, help="gunicorn threads per worker")
    args = parser.parse_args(argv)

    # Production settings: DEBUG off (no query log, no debug pages); plain HTTP on loopback.
    env = bench_env(OTP_RETURN_CODE="True")
    # One `staff.otp` INFO line per call would flood this terminal; LOG_LEVEL=INFO measures with it.
    env.setdefault("LOG_LEVEL", "WARNING")
    with running_server(env, workers=args.workers, threads=args.threads, url=args.url) as base:
        total = run(base, args.clients, args.duration)
    ok = total.pairs > 0 and not (total.generate_failures or total.verify_failures or total.errors)
    print("OK" if ok else "FAILED: not every fresh code verified")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
