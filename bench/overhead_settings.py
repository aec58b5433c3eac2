"""Settings of the baseline server in bench/overhead.py: the project's settings (same database,
cache, persistent connections and health checks) with no middleware and the baseline URLs only."""

from config.settings import *  # noqa: F403

MIDDLEWARE: list[str] = []
ROOT_URLCONF = "bench.overhead_urls"
