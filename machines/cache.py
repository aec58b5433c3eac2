"""Response caching of the machines API (Redis when configured, else local memory).

- the machine list's pages (machines.selectors.MachinePage), keyed by every parameter that
  changes the answer;
- machine records by id (ingest over HTTP and MQTT, history), and ids the registry does not hold
  (for a shorter time: machines.selectors.UNKNOWN_MACHINE_TTL);
- the configuration dict (never the envelope: `accessed_by` is added per request);
- the open threshold alerts' keys (machine, metric, bound), which every ingest reads with the
  configuration in one round trip (machines.selectors.alert_state).

Entries are generation-keyed (config/cache.py): a write replaces the token in
`transaction.on_commit`, so no stale answer outlives a commit. Nothing cached depends on who asked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from config import cache as shared
from config.cache import bump, generation, read, read_many

__all__ = ["bump", "generation", "read", "read_many"]

MACHINES = "machines:gen:machines"
CONFIG = "machines:gen:config"
ALERTS = "machines:gen:alerts"


def machine_key(machine_id: uuid.UUID | str) -> str:
    return f"machines:record:{machine_id}"


def list_key(params: Iterable[object]) -> str:
    digest = hashlib.sha1(repr(tuple(params)).encode(), usedforsecurity=False).hexdigest()
    return f"machines:list:{digest}"


CONFIG_KEY = "machines:config"
OPEN_ALERTS_KEY = "machines:alerts:open"


def write(token: str, entries: dict[str, Any]) -> None:
    """Store entries computed by a reader that started under `token` (nothing while caching is off)."""
    timeout = ttl()
    if timeout:
        shared.write(token, entries, timeout=timeout)


def ttl() -> int:
    """MACHINES_CACHE_TTL under the platform's one rule (config.cache.answer_ttl): 0, off, on a
    per-process cache."""
    return shared.answer_ttl(settings.MACHINES_CACHE_TTL)


def invalidate_machines_on_commit() -> None:
    shared.bump_on_commit(MACHINES)


def invalidate_config_on_commit() -> None:
    shared.bump_on_commit(CONFIG)


def invalidate_alerts() -> None:
    """An alert opened or closed: the cached open-alert keys are stale now (the write is its own
    statement) and again once an enclosing transaction commits (a reader racing the write may have
    cached the old keys under the new token meanwhile)."""
    shared.bump(ALERTS)
    shared.bump_on_commit(ALERTS)
