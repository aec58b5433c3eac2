"""Response caching of the machines API (Redis when configured, else local memory).

- the machine list, keyed by every parameter that changes the answer;
- machine records by id (ingest, history);
- the configuration dict (never the envelope: `accessed_by` is added per request).

Every key carries a generation token, and a write replaces the token in `transaction.on_commit`.
A reader takes the token *before* it reads the database, so a reader that raced a write can only
fill a key under the old token, which nobody asks for again: no stale answer outlives a commit.
Nothing cached depends on who asked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
from django.db import transaction

MACHINES = "machines:gen:machines"
CONFIG = "machines:gen:config"


def generation(name: str) -> str:
    token = cache.get(name)
    if token:
        return token
    token = uuid.uuid4().hex
    # add(): two processes initialising at once must agree on one value.
    if not cache.add(name, token, timeout=None):
        token = cache.get(name) or token
    return token


def machine_key(token: str, machine_id: uuid.UUID | str) -> str:
    return f"machines:m:{token}:{machine_id}"


def list_key(token: str, params: Iterable[object]) -> str:
    digest = hashlib.sha1(repr(tuple(params)).encode(), usedforsecurity=False).hexdigest()
    return f"machines:list:{token}:{digest}"


def config_key(token: str) -> str:
    return f"machines:config:{token}"


def ttl() -> int:
    return settings.MACHINES_CACHE_TTL


def _bump(name: str) -> None:
    cache.set(name, uuid.uuid4().hex, timeout=None)


def invalidate_machines_on_commit() -> None:
    transaction.on_commit(lambda: _bump(MACHINES))


def invalidate_config_on_commit() -> None:
    transaction.on_commit(lambda: _bump(CONFIG))
