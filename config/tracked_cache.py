"""An in-process mirror of a few Redis keys, dropped as soon as Redis reports them changed.

Every authenticated request read its auth record and deny keys from Redis (one `MGET`), although
they change only at a login, logout, password, role or group change. The mirror keeps what such a
read returned in this process and serves it again until Redis *client tracking* (RESP3, `BCAST`
mode, one connection per process, `CLIENT TRACKING ON BCAST PREFIX ...`) reports a write to any
key under the mirrored prefixes. Before every use the caller's thread drains that connection
without blocking, so an invalidation Redis sent before a writer got its reply is applied before any
later request is answered from the mirror: a logout takes effect on the next request in every
process. Where tracking cannot be used (no Redis, a replica setup, a broken connection) every read
goes to Redis, as before. README "Request speed" has the guarantees and the settings.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlparse

import hiredis
from django.conf import settings
from django.core.cache import caches

from config.cache import security_alias

# A key Redis reported absent is mirrored as absent too (a deny key is absent until a logout).
_ABSENT = object()


class LinkBroken(Exception):
    """The tracking connection closed, failed, or answered something unexpected."""


class TrackingLink:
    """One RESP3 connection on which Redis pushes invalidations for keys under `prefixes`."""

    def __init__(self, location: str, prefixes: Iterable[str], *, timeout: float) -> None:
        self.location = location
        self.prefixes = list(prefixes)
        self.timeout = timeout
        self.sock: socket.socket | None = None
        self.reader = hiredis.Reader()

    def open(self) -> None:
        """Connect, authenticate, switch to RESP3 and turn broadcast tracking on (blocking, bounded)."""
        url = urlparse(self.location)
        if url.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(self.timeout)
            sock.connect(url.path)
        else:
            sock = socket.create_connection(
                (url.hostname or "127.0.0.1", url.port or 6379), timeout=self.timeout
            )
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if url.scheme == "rediss":
                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=url.hostname)
        self.sock = sock
        hello = ["HELLO", "3"]
        if url.password:
            hello += ["AUTH", unquote(url.username or "default"), unquote(url.password)]
        tracking = ["CLIENT", "TRACKING", "ON", "BCAST"]
        for prefix in self.prefixes:
            tracking += ["PREFIX", prefix]
        try:
            self._send(hello)
            self._reply()
            self._send(tracking)
            if self._reply() != b"OK":
                raise LinkBroken("CLIENT TRACKING was refused")
            sock.setblocking(False)
        except (OSError, LinkBroken):
            self.close()
            raise

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):
                self.sock.close()
        self.sock = None

    def ping(self) -> None:
        """Ask for a PONG (without waiting for it): proof, once it comes, that Redis is answering."""
        try:
            self._send(["PING"])
        except OSError as exc:
            raise LinkBroken(str(exc)) from exc

    def pending(self) -> tuple[list[bytes | None], int]:
        """Keys Redis reported changed since the last call (None: everything) and the number of
        PONGs received, without blocking."""
        if self.sock is None:
            raise LinkBroken("not connected")
        keys: list[bytes | None] = []
        pongs = 0
        while True:
            try:
                readable, _, _ = select.select([self.sock], [], [], 0)
                if not readable and not (isinstance(self.sock, ssl.SSLSocket) and self.sock.pending()):
                    return keys, pongs
                data = self.sock.recv(65536)
            except (BlockingIOError, ssl.SSLWantReadError):
                return keys, pongs
            except (OSError, ValueError) as exc:
                raise LinkBroken(str(exc)) from exc
            if not data:
                raise LinkBroken("connection closed by Redis")
            self.reader.feed(data)
            while (message := self.reader.gets()) is not False:
                if message == b"PONG":
                    pongs += 1
                else:
                    keys.extend(self._invalidated(message))

    @staticmethod
    def _invalidated(message: Any) -> list[bytes | None]:
        # [b"invalidate", [key, ...]] or [b"invalidate", None] after a FLUSHDB / FLUSHALL.
        if isinstance(message, list) and len(message) == 2 and message[0] == b"invalidate":
            return [None] if message[1] is None else list(message[1])
        raise LinkBroken(f"unexpected message on the tracking connection: {message!r}")

    def _send(self, args: list[str]) -> None:
        encoded = [arg.encode() for arg in args]
        payload = b"*%d\r\n" % len(encoded) + b"".join(b"$%d\r\n%s\r\n" % (len(arg), arg) for arg in encoded)
        assert self.sock is not None
        self.sock.sendall(payload)

    def _reply(self) -> Any:
        assert self.sock is not None
        while (reply := self.reader.gets()) is False:
            data = self.sock.recv(65536)
            if not data:
                raise LinkBroken("connection closed by Redis")
            self.reader.feed(data)
        if isinstance(reply, hiredis.ReplyError):
            raise LinkBroken(str(reply))
        return reply


class TrackedMirror:
    """`get_many` answered from this process while Redis has not reported those keys changed.

    `make_key` turns a cache key into the Redis key (django-redis' prefix and version), which is
    what Redis reports. The mirror answers only while Redis has answered a PING sent less than
    `liveness` seconds ago (REDIS_TIMEOUT): a frozen Redis, whose invalidations would not arrive,
    stops the mirror before a writer's own Redis call can time out. An entry older than `max_age`
    is read again anyway.
    """

    def __init__(
        self,
        *,
        location: str,
        prefixes: Iterable[str],
        make_key: Callable[[str], str],
        max_age: float,
        liveness: float,
        max_entries: int = 20_000,
        retry_seconds: float = 5.0,
        timeout: float = 0.25,
    ) -> None:
        self.location = location
        self.prefixes = tuple(prefixes)
        self.make_key = make_key
        self.max_age = max_age
        self.liveness = liveness
        self.max_entries = max_entries
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self.entries: dict[str, tuple[Any, float]] = {}
        # Moves on every invalidation and reconnection: a read that raced one is not mirrored.
        self.epoch = 0
        self.link: TrackingLink | None = None
        self.pid = 0
        self.retry_at = 0.0
        self.pings: deque[float] = deque()  # send times of the PINGs not answered yet
        self.proven_at = float("-inf")  # send time of the latest answered PING
        self.lock = threading.Lock()
        self.hits = 0
        self.loads = 0

    def get_many(self, keys: list[str], load: Callable[[list[str]], dict[str, Any]]) -> dict[str, Any]:
        """What `load(keys)` would return (only the keys found), from this process where it may."""
        made = [self.make_key(key) for key in keys]
        if not all(key.startswith(self.prefixes) for key in made):
            return load(keys)  # Redis would never report a change to such a key
        with self.lock:
            linked = self._drain()
            now = time.monotonic()
            if linked and now - self.proven_at < self.liveness:
                cached = [self.entries.get(key) for key in made]
                if all(entry is not None and now - entry[1] < self.max_age for entry in cached):
                    self.hits += 1
                    return {
                        key: entry[0]
                        for key, entry in zip(keys, cached, strict=True)
                        if entry[0] is not _ABSENT
                    }
            epoch = self.epoch
        values = load(keys)
        with self.lock:
            self.loads += 1
            if linked and self._drain() and self.epoch == epoch:
                if len(self.entries) + len(made) > self.max_entries:
                    self.entries.clear()
                now = time.monotonic()
                for key, raw in zip(keys, made, strict=True):
                    self.entries[raw] = (values.get(key, _ABSENT), now)
        return values

    def reset(self) -> None:
        """Forget every entry and the connection (tests; a settings change)."""
        with self.lock:
            self._drop(retry=False)

    def _drain(self) -> bool:
        """Apply what Redis has sent, keep a PING in flight; whether the link is up. Lock held."""
        if self.pid != os.getpid():
            # A forked child must not share its parent's connection or entries.
            self.pid = os.getpid()
            self._drop(retry=False)
        if self.link is None:
            if time.monotonic() < self.retry_at:
                return False
            link = TrackingLink(self.location, self.prefixes, timeout=self.timeout)
            try:
                link.open()
            except (OSError, LinkBroken):
                self._drop(retry=True)
                return False
            self.link = link
            self.entries.clear()
            self.epoch += 1
        try:
            changed, pongs = self.link.pending()
            for _ in range(min(pongs, len(self.pings))):
                self.proven_at = self.pings.popleft()
            now = time.monotonic()
            if not self.pings and now - self.proven_at >= self.liveness / 2:
                self.link.ping()
                self.pings.append(now)
        except LinkBroken:
            self._drop(retry=True)
            return False
        if changed:
            self.epoch += 1
            if None in changed:
                self.entries.clear()
            else:
                for key in changed:
                    self.entries.pop(key.decode(), None)
        return True

    def _drop(self, *, retry: bool) -> None:
        if self.link is not None:
            self.link.close()
        self.link = None
        self.entries.clear()
        self.epoch += 1
        self.pings.clear()
        self.proven_at = float("-inf")
        self.retry_at = time.monotonic() + self.retry_seconds if retry else 0.0


_mirrors: dict[tuple, TrackedMirror] = {}
_mirrors_lock = threading.Lock()


def alias_mirror(alias: str, prefixes: tuple[str, ...]) -> TrackedMirror | None:
    """This process's mirror of cache `alias`'s keys under `prefixes`; None where it cannot be used:
    CACHE_MIRROR_SECONDS = 0, a cache that is not django-redis, or several locations (a replica could
    answer a read before the primary's invalidation reaches this process)."""
    max_age = float(getattr(settings, "CACHE_MIRROR_SECONDS", 0))
    if max_age <= 0 or alias not in settings.CACHES:
        return None
    conf = settings.CACHES[alias]
    location = conf.get("LOCATION")
    if not conf["BACKEND"].startswith("django_redis.") or not isinstance(location, str) or "," in location:
        return None
    backend = caches[alias]
    made_prefixes = tuple(backend.make_key(prefix) for prefix in prefixes)
    liveness = float(getattr(settings, "REDIS_TIMEOUT", 0.5))
    ident = (location, made_prefixes, max_age, liveness)
    mirror = _mirrors.get(ident)
    if mirror is None:
        with _mirrors_lock:
            mirror = _mirrors.get(ident)
            if mirror is None:
                mirror = TrackedMirror(
                    location=location,
                    prefixes=made_prefixes,
                    make_key=backend.make_key,
                    max_age=max_age,
                    liveness=liveness,
                    timeout=float(getattr(settings, "REDIS_CONNECT_TIMEOUT", 0.25)),
                )
                _mirrors[ident] = mirror
    return mirror


def security_mirror(prefixes: tuple[str, ...]) -> TrackedMirror | None:
    """`alias_mirror` of the security cache (config.cache.security_alias)."""
    return alias_mirror(security_alias(), prefixes)


def reset_mirrors() -> None:
    """Close every mirror of this process (tests, between settings)."""
    with _mirrors_lock:
        for mirror in _mirrors.values():
            mirror.reset()
        _mirrors.clear()
