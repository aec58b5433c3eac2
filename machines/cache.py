"""Response caching of the machines API (Redis when configured, else local memory).

- the machine list, keyed by every parameter that changes the answer;
- machine records by id (ingest, history);
- the configuration dict (never the envelope: `accessed_by` is added per request).

Every entry is stored with the generation token current when its reader started, and a write
replaces the token in `transaction.on_commit`. A reader fetches the token together with the entries
(one cache round trip) *before* it reads the database, and uses an entry only if its token is the
current one; so a reader that raced a write can only store an entry under the old token, which is
never served again: no stale answer outlives a commit. Nothing cached depends on who asked.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from typing import Any

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


def machine_key(machine_id: uuid.UUID | str) -> str:
    return f"machines:m:{machine_id}"


def list_key(params: Iterable[object]) -> str:
    digest = hashlib.sha1(repr(tuple(params)).encode(), usedforsecurity=False).hexdigest()
    return f"machines:list:{digest}"


CONFIG_KEY = "machines:config"


def read(name: str, keys: list[str]) -> tuple[str, dict[str, Any]]:
    """The current token of generation `name` and those of `keys` whose entry is current, in one
    cache read."""
    values = cache.get_many([name, *keys])
    token = values.pop(name, None) or generation(name)
    fresh = {
        key: entry[1]
        for key, entry in values.items()
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == token
    }
    return token, fresh


def write(token: str, entries: dict[str, Any]) -> None:
    """Store entries computed by a reader that started under `token`."""
    cache.set_many({key: (token, value) for key, value in entries.items()}, timeout=ttl())


def ttl() -> int:
    return settings.MACHINES_CACHE_TTL


def _bump(name: str) -> None:
    cache.set(name, uuid.uuid4().hex, timeout=None)


def invalidate_machines_on_commit() -> None:
    transaction.on_commit(lambda: _bump(MACHINES))


def invalidate_config_on_commit() -> None:
    transaction.on_commit(lambda: _bump(CONFIG))
