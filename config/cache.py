"""Generation-keyed caching, shared by every app that caches answers (auth records, machine lists,
reading counts, parts pages), and the cache that holds security state.

A cached entry is stored beside the generation token that was current when its reader *started*,
and a write replaces the token (after commit). A reader fetches the token with its entries in one
round trip and uses an entry only under the current token, so an entry computed by a reader that
raced a write is never served: no stale answer outlives a commit.

Security state (token deny-list and authorisation records, login lockouts and per-account budgets,
throttle counters, OTP codes) lives in the `security` cache alias (`security_cache`), which a
deployment points at a Redis that never evicts (README "Cache and security state"); answers that can
be recomputed live in `default`, which may evict under its memory limit. Without a `security` alias
in CACHES both are the default cache.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.db import transaction

from config.dependencies import is_cache_error, one_line

logger = logging.getLogger("facility.dependencies")

SECURITY_ALIAS = "security"
# Cache backends each process keeps for itself: a write in one worker cannot invalidate them in another.
PER_PROCESS_BACKENDS = ("LocMemCache", "DummyCache")


def cache_is_shared() -> bool:
    """Whether every process uses the same default cache (Redis, Memcached, a database table).

    The one rule for when caching an answer is safe: a per-process cache (local memory) would keep
    serving what another worker's write has invalidated, so answer caches are off on one."""
    return not settings.CACHES["default"]["BACKEND"].endswith(PER_PROCESS_BACKENDS)


def answer_ttl(ttl: int) -> int:
    """The TTL an answer cache may use: its setting (`ttl`, 0 = off) where the cache is shared,
    0 where it is per-process (`cache_is_shared`). Every answer cache asks this before reading."""
    return ttl if ttl > 0 and cache_is_shared() else 0


def security_alias() -> str:
    """The alias of the cache that holds security state: `security`, else `default`."""
    return SECURITY_ALIAS if SECURITY_ALIAS in settings.CACHES else "default"


class _SecurityCacheProxy:
    """Like `django.core.cache.cache`, for the security alias (per thread, follows settings)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(caches[security_alias()], name)

    def __contains__(self, key: str) -> bool:
        return key in caches[security_alias()]


security_cache: Any = _SecurityCacheProxy()


# Answer-cache keys a reader may ask to have mirrored in its process (`read(..., mirrored=True)`):
# Redis client tracking reports every write under these to every process (config.tracked_cache).
MIRRORED_ANSWER_PREFIXES = (
    "machines:gen:",
    "machines:record:",
    "machines:list:",
    "sensors:data:",
    "maintenance:parts:",
)


class Generations:
    """Generation tokens and the entries stored under them, on one cache."""

    def __init__(self, backend: Any, alias: str | None = None) -> None:
        self.backend = backend
        self.alias = alias

    def _get_many(self, keys: list[str], mirrored: bool) -> dict[str, Any]:
        """One cache read; from this process's mirror when asked for and possible. Only entries no
        caller modifies may be mirrored: the same objects are handed to every later reader."""
        if mirrored and self.alias is not None:
            from config.tracked_cache import alias_mirror

            mirror = alias_mirror(self.alias, MIRRORED_ANSWER_PREFIXES)
            if mirror is not None:
                return mirror.get_many(keys, self.backend.get_many)
        return self.backend.get_many(keys)

    def generation(self, name: str) -> str:
        """The current token of generation `name`, created if there is none yet."""
        token = self.backend.get(name)
        if token:
            return token
        token = uuid.uuid4().hex
        # add(): two processes initialising at once must agree on one value.
        if not self.backend.add(name, token, timeout=None):
            token = self.backend.get(name) or token
        return token

    def bump(self, name: str) -> None:
        """Invalidate every entry stored under generation `name` (now).

        A cache that is down cannot be invalidated: that is logged in one line and not raised, so a
        write that has committed still answers its 2xx. Every entry is written with a TTL, so what
        the failed bump should have dropped expires by itself (README "Failure behaviour").
        """
        try:
            self.backend.set(name, uuid.uuid4().hex, timeout=None)
        except Exception as exc:
            if not is_cache_error(exc):
                raise
            logger.warning("cache invalidation of %s skipped, cache unavailable: %s", name, one_line(exc))

    def bump_on_commit(self, name: str) -> None:
        """Invalidate once the current transaction commits (at once outside one)."""
        transaction.on_commit(lambda: self.bump(name))

    def read(self, name: str, keys: list[str], *, mirrored: bool = False) -> tuple[str, dict[str, Any]]:
        """The current token of generation `name` and the entries of `keys` stored under it, in
        one cache read (entries of older generations are left out)."""
        values = self._get_many([name, *keys], mirrored)
        token = values.pop(name, None) or self.generation(name)
        fresh = {
            key: entry[1]
            for key, entry in values.items()
            if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == token
        }
        return token, fresh

    def read_many(self, wanted: dict[str, list[str]]) -> dict[str, tuple[str, dict[str, Any]]]:
        """`read` for several generations at once, still one cache read: for each generation name
        its current token and those of its keys stored under it."""
        names = list(wanted)
        values = self.backend.get_many([*names, *(key for keys in wanted.values() for key in keys)])
        answers = {}
        for name in names:
            token = values.get(name) or self.generation(name)
            answers[name] = (
                token,
                {
                    key: values[key][1]
                    for key in wanted[name]
                    if isinstance(values.get(key), tuple)
                    and len(values[key]) == 2
                    and values[key][0] == token
                },
            )
        return answers

    def write(self, token: str, entries: dict[str, Any], *, timeout: int) -> None:
        """Store entries computed by a reader that started under `token`."""
        self.backend.set_many({key: (token, value) for key, value in entries.items()}, timeout=timeout)


_default_generations = Generations(cache, alias="default")
# Generations of cached security records (staff.auth.authz): beside the records and deny keys they
# guard, so an authentication reads all of them in one round trip.
security_generations = Generations(security_cache)

generation = _default_generations.generation
bump = _default_generations.bump
bump_on_commit = _default_generations.bump_on_commit
read = _default_generations.read
read_many = _default_generations.read_many
write = _default_generations.write
