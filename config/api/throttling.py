"""An atomic fixed-window throttle whose rate is a setting (env-driven, raised by load tests)."""

from __future__ import annotations

import hashlib
import ipaddress

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from config.cache import security_cache as cache
from config.dependencies import CACHE, DependencyUnavailable, is_cache_error, log_degraded


class SettingRateThrottle(SimpleRateThrottle):
    """A per-client-IP throttle whose rate is a Django setting read per request (env-driven).

    Counts in fixed windows with one atomic cache `incr` per request, instead of DRF's list of
    timestamps: that is a read-modify-write (a concurrent burst slips through) and grows with the rate.
    """

    rate_setting = ""
    # With the cache down, a throttle cannot count. A security throttle (password doors, OTP,
    # registration) then refuses with 503 "cache unavailable": an attacker must not get unlimited
    # guesses by killing Redis. Every other throttle lets the request through (logged once).
    fail_closed = False

    def get_rate(self) -> str | None:
        return getattr(settings, self.rate_setting)

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def allow_request(self, request, view) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        key = f"{key}:{window}"
        try:
            count = self._count(key)
        except Exception as exc:
            if not is_cache_error(exc):
                raise
            if self.fail_closed:
                raise DependencyUnavailable(CACHE) from exc
            log_degraded(CACHE, exc, f"throttle {self.scope} failing open")
            return True
        if count <= self.num_requests:
            return True
        self.wait_seconds = (window + 1) * self.duration - now
        self.throttled(request)
        return False

    def _count(self, key: str) -> int:
        try:
            return cache.incr(key)
        except ValueError:
            return 1 if cache.add(key, 1, timeout=self.duration + 1) else cache.incr(key)

    def throttled(self, request) -> None:
        """Hook for subclasses that log refusals."""

    def wait(self) -> float | None:
        return getattr(self, "wait_seconds", None)


def client_ident_key(ident: str | None) -> str:
    """A bounded cache-key fragment for a client address: the address itself when it is one, else a
    hash (behind NUM_PROXIES the address comes from X-Forwarded-For, which the client writes)."""
    text = (ident or "").strip()
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return "h" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:40]


class ClientIPThrottle(SettingRateThrottle):
    """A per-client-IP window whose key is always a plain address or a hash (client_ident_key)."""

    def get_cache_key(self, request, view) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": client_ident_key(self.get_ident(request))}
