"""The per-client-IP throttles of the public OTP endpoints (THROTTLE_OTP), logged when they refuse.

On Redis the window is counted inside the OTP script (one round trip per call): the throttle only
marks the request, and the view counts it in the same script, or here when the input is invalid.
"""

from __future__ import annotations

import logging

from rest_framework.request import Request

from config.api.throttling import ClientIPThrottle
from staff.otp import services

otp_logger = logging.getLogger("staff.otp")


class OTPThrottle(ClientIPThrottle):
    """Per client IP, rate THROTTLE_OTP; refusals are logged like every other OTP outcome."""

    fail_closed = True  # a security window: no unlimited guesses while the cache is down
    rate_setting = "THROTTLE_OTP"

    def allow_request(self, request, view) -> bool:
        if self.rate is not None and services.counts_ip_window():
            request.otp_throttle = self  # counted by the view: see ip_window / count_now
            return True
        return super().allow_request(request, view)

    def ip_window(self, request: Request, view) -> services.IPWindow | None:
        """This request's window (key with its number, limit, expiry) for the OTP script to count."""
        key = self.get_cache_key(request, view)
        if key is None:
            return None
        self.now = self.timer()
        self.window = int(self.now // self.duration)
        return services.IPWindow(key=f"{key}:{self.window}", limit=self.num_requests, ttl=self.duration + 1)

    def refused(self, request: Request) -> float:
        """The wait (Retry-After) once the script found the window full; logged like any refusal."""
        self.wait_seconds = (self.window + 1) * self.duration - self.now
        self.throttled(request)
        return self.wait_seconds

    def count_now(self, request: Request, view) -> bool:
        """Count a request that will not reach the script (invalid input), as a plain throttle would."""
        return super().allow_request(request, view)

    def throttled(self, request: Request) -> None:
        otp_logger.warning("otp %s ip=%s outcome=throttled", self.scope, self.get_ident(request))


class OTPGenerateThrottle(OTPThrottle):
    scope = "otp-generate"


class OTPVerifyThrottle(OTPThrottle):
    scope = "otp-verify"
