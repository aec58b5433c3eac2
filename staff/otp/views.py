"""One-time-password endpoints: public, throttled per IP, with a per-id cooldown in the service."""

from __future__ import annotations

import logging
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


class OTPGenerateView(APIView):
    """Public and throttled: issue a 6-digit code for an id (returned only when OTP_RETURN_CODE)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
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
        data = _otp_input(OTPGenerateSerializer, request, "generate")
        return_code = bool(settings.OTP_RETURN_CODE)
        result = services.otp_generate(
            ident=data["id"], client_ip=_client_ip(request), deliver=not return_code
        )
        if return_code:
            return Response({"otp": result.code})
        return Response({"message": "OTP sent"})


class OTPVerifyView(APIView):
    """Public and throttled: accept the current code for an id once."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
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
        data = _otp_input(OTPVerifySerializer, request, "verify")
        services.otp_verify(ident=data["id"], code=data["otp"], client_ip=_client_ip(request))
        return Response({"message": "OTP berhasil diverifikasi."})
