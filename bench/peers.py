"""Ours against the services it replaces: the same load on each, one after the other, as ratios.

    PEERS_DIR=/work/peers python -m bench.peers [--only locks,otp,...] [--rounds 2] [--duration 10]
                                                [--connections 32] [--workers 4] [--threads 4]

For every installed peer (bench/peer_services.py sets them up; bench/peers.md says how) it starts
the peer under gunicorn (as many workers as ours, 4 by default; its best worker class), runs its
workloads, stops it, starts ours (bench/common.py: the production server shape, DEBUG off,
PostgreSQL + Redis, every request of ours authenticated) and runs the same workloads with the same
tool and connection count. It does that `--rounds` times and prints one table: each figure of each
round, the ratio ours/peer, the issue's aim and the load average. Without installed peers it says
so and exits 0 (`make bench`).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field

from bench import peer_services
from bench.common import THREADS, WORKERS, bench_env, running_server
from bench.peer_loads import OURS_DATABASE_URL, OURS_REDIS_URL, SIDES, WORKLOADS, Figure, Settings


@dataclass
class Table:
    rows: dict[tuple[str, str], list[tuple[Figure, Figure]]] = field(default_factory=dict)
    loads: list[str] = field(default_factory=list)


def measure(side_name: str, base: str, context: dict, settings: Settings) -> dict[str, Figure]:
    figures = {}
    for workload in (w for w in WORKLOADS if w.peer == side_name):
        figures[workload.name] = workload.run(base, context, settings)
        print(f"  {workload.name}: {figures[workload.name].rate:.0f}", flush=True)
    return figures


def print_table(table: Table) -> None:
    print(
        "\n"
        + " | ".join(
            ["workload", *[f"peer / ours / ratio (run {i + 1})" for i in range(len(table.loads))], "aim"]
        )
    )
    for workload in WORKLOADS:
        runs = table.rows.get((workload.peer, workload.name))
        if not runs:
            continue
        cells = []
        for peer_fig, ours_fig in runs:
            ratio = ours_fig.rate / peer_fig.rate if peer_fig.rate else float("nan")
            mark = "" if ratio >= workload.aim else " MISSED"
            notes = [peer_fig.note and f"peer {peer_fig.note}", ours_fig.note and f"ours {ours_fig.note}"]
            if peer_fig.errors or ours_fig.errors:
                notes.append(f"errors peer {peer_fig.errors}, ours {ours_fig.errors}")
            notes = "; ".join(n for n in notes if n)
            cells.append(
                f"{peer_fig.rate:.0f} / {ours_fig.rate:.0f} / {ratio:.2f}x{mark}"
                + (f" ({notes})" if notes else "")
            )
        print(" | ".join([workload.name, *cells, f">= {workload.aim}x"]))
    for index, load in enumerate(table.loads):
        print(f"run {index + 1}: {load}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(SIDES)}")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=WORKERS)
    parser.add_argument("--threads", type=int, default=THREADS, help="ours: gunicorn threads per worker")
    args = parser.parse_args(argv)
    wanted = [n for n in (args.only.split(",") if args.only else SIDES) if n]
    present = [n for n in wanted if peer_services.installed(peer_services.PEERS[n])]
    if not present:
        print(
            f"no replaced service installed under {peer_services.peers_dir()}: comparison skipped "
            "(set them up with `python -m bench.peer_services`, see bench/peers.md)"
        )
        return 0
    settings = Settings(args.connections, args.duration)
    env = bench_env(
        DATABASE_URL=os.environ.get("PEERS_OURS_DATABASE_URL", OURS_DATABASE_URL),
        REDIS_URL=os.environ.get("PEERS_OURS_REDIS_URL", OURS_REDIS_URL),
        OTP_RETURN_CODE="True",
        LOG_LEVEL="WARNING",
    )
    with running_server(env, workers=args.workers, threads=args.threads):
        pass  # migrate and seed once
    table = Table()
    for round_index in range(args.rounds):
        load_before = os.getloadavg()
        for name in present:
            peer = peer_services.PEERS[name]
            peer_services.prepare_database(peer)
            print(f"== run {round_index + 1}: {name} — peer {peer.repo}", flush=True)
            with peer_services.server(peer, workers=args.workers) as base:
                theirs = measure(name, base, SIDES[name].peer(base), settings)
            print(f"== run {round_index + 1}: {name} — ours", flush=True)
            with running_server(env, workers=args.workers, threads=args.threads, prepare=False) as base:
                ours = measure(name, base, SIDES[name].ours(base), settings)
            for key, fig in theirs.items():
                table.rows.setdefault((name, key), []).append((fig, ours[key]))
        load_after = os.getloadavg()
        table.loads.append(
            f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f} "
            f"(1 min), {os.cpu_count()} cores"
        )
    print_table(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
