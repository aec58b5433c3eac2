"""Generation-keyed caching, shared by every app that caches answers (auth records, machine lists,
reading counts, parts pages).

A cached entry is stored beside the generation token that was current when its reader *started*,
and a write replaces the token (after commit). A reader fetches the token with its entries in one
round trip and uses an entry only under the current token, so an entry computed by a reader that
raced a write is never served: no stale answer outlives a commit.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.cache import cache
from django.db import transaction


def generation(name: str) -> str:
    """The current token of generation `name`, created if there is none yet."""
    token = cache.get(name)
    if token:
        return token
    token = uuid.uuid4().hex
    # add(): two processes initialising at once must agree on one value.
    if not cache.add(name, token, timeout=None):
        token = cache.get(name) or token
    return token


def bump(name: str) -> None:
    """Invalidate every entry stored under generation `name` (now)."""
    cache.set(name, uuid.uuid4().hex, timeout=None)


def bump_on_commit(name: str) -> None:
    """Invalidate once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: bump(name))


def read(name: str, keys: list[str]) -> tuple[str, dict[str, Any]]:
    """The current token of generation `name` and the entries of `keys` stored under it, in one
    cache read (entries of older generations are left out)."""
    values = cache.get_many([name, *keys])
    token = values.pop(name, None) or generation(name)
    fresh = {
        key: entry[1]
        for key, entry in values.items()
        if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == token
    }
    return token, fresh


def write(token: str, entries: dict[str, Any], *, timeout: int) -> None:
    """Store entries computed by a reader that started under `token`."""
    cache.set_many({key: (token, value) for key, value in entries.items()}, timeout=timeout)
