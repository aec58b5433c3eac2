"""One-time-password endpoints: public, throttled per IP, with a per-id cooldown in the service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.api.serializers import MessageSerializer
from staff.otp import services
from staff.otp.serializers import OTPGenerateResponseSerializer, OTPGenerateSerializer, OTPVerifySerializer
from staff.otp.throttling import OTPGenerateThrottle, OTPVerifyThrottle

otp_logger = logging.getLogger("staff.otp")


def _client_ip(request: Request) -> str:
    return BaseThrottle().get_ident(request)


def _otp_input(serializer_class: type, request: Request, action: str) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        otp_logger.info("otp %s ip=%s outcome=invalid_input", action, _client_ip(request))
        raise exceptions.ValidationError(serializer.errors)
    return serializer.validated_data


class _OTPView(APIView):
    """The per-IP window counted in the OTP script's round trip when the throttle deferred it (Redis)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def otp_input(self, serializer_class: type, request: Request, action: str) -> dict[str, Any]:
        """The valid input; a request that fails here is counted (and maybe refused) like before."""
        try:
            return _otp_input(serializer_class, request, action)
        except exceptions.APIException:
            throttle = getattr(request, "otp_throttle", None)
            if throttle is not None and not throttle.count_now(request, self):
                self.throttled(request, throttle.wait())
            raise

    def counted(self, request: Request, call: Callable[..., Any], **kwargs: Any) -> Any:
        """`call(**kwargs)`, with the deferred window (if any) counted in the same script."""
        throttle = getattr(request, "otp_throttle", None)
        window = throttle.ip_window(request, self) if throttle is not None else None
        if window is None:
            return call(**kwargs)
        try:
            return call(**kwargs, window=window)
        except services.IPWindowFull:
            self.throttled(request, throttle.refused(request))


class OTPGenerateView(_OTPView):
    """Public and throttled: issue a 6-digit code for an id (returned only when OTP_RETURN_CODE)."""

    throttle_classes = [OTPGenerateThrottle]

    @extend_schema(
        request=OTPGenerateSerializer,
        responses={
            200: OTPGenerateResponseSerializer,
            429: OpenApiResponse(description="Re-generate cooldown or IP throttle (Retry-After)"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.otp_input(OTPGenerateSerializer, request, "generate")
        return_code = bool(settings.OTP_RETURN_CODE)
        result = self.counted(
            request,
            services.otp_generate,
            ident=data["id"],
            client_ip=_client_ip(request),
            deliver=not return_code,
        )
        if return_code:
            return Response({"otp": result.code})
        return Response({"message": "OTP sent"})


class OTPVerifyView(_OTPView):
    """Public and throttled: accept the current code for an id once."""

    throttle_classes = [OTPVerifyThrottle]

    @extend_schema(
        request=OTPVerifySerializer,
        responses={
            200: MessageSerializer,
            400: OpenApiResponse(description='Wrong code: {"detail": "OTP wrong"}, or invalid input'),
            404: OpenApiResponse(description="No code for that id, or expired"),
            429: OpenApiResponse(description="Attempt limit reached (code reset) or IP throttle"),
        },
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.otp_input(OTPVerifySerializer, request, "verify")
        self.counted(
            request, services.otp_verify, ident=data["id"], code=data["otp"], client_ip=_client_ip(request)
        )
        return Response({"message": "OTP berhasil diverifikasi."})
