"""The per-client-IP throttles of the public OTP endpoints (THROTTLE_OTP), logged when they refuse."""

from __future__ import annotations

import logging

from rest_framework.request import Request

from config.api.throttling import ClientIPThrottle

otp_logger = logging.getLogger("staff.otp")


class OTPThrottle(ClientIPThrottle):
    """Per client IP, rate THROTTLE_OTP; refusals are logged like every other OTP outcome."""

    fail_closed = True  # a security window: no unlimited guesses while the cache is down
    rate_setting = "THROTTLE_OTP"

    def throttled(self, request: Request) -> None:
        otp_logger.warning("otp %s ip=%s outcome=throttled", self.scope, self.get_ident(request))


class OTPGenerateThrottle(OTPThrottle):
    scope = "otp-generate"


class OTPVerifyThrottle(OTPThrottle):
    scope = "otp-verify"
