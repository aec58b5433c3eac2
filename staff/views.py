from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.db.models import Model
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, filters, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from config.api.throttling import SettingRateThrottle
from config.errors import NotFoundError
from staff import services
from staff.exceptions import PositionNotFound, StaffNotFound
from staff.filters import StaffFilter
from staff.models import Position, User
from staff.serializers import (
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    MessageSerializer,
    OTPGenerateResponseSerializer,
    OTPGenerateSerializer,
    OTPVerifySerializer,
    PositionInputSerializer,
    PositionSerializer,
    RefreshSerializer,
    RegisterSerializer,
    StaffInputSerializer,
    StaffSerializer,
    TokenPairSerializer,
    UserSerializer,
)

otp_logger = logging.getLogger("staff.otp")


class LoginIPThrottle(SettingRateThrottle):
    scope = "login-ip"
    rate_setting = "THROTTLE_LOGIN"


class LoginUsernameThrottle(SettingRateThrottle):
    """Per account, so spreading a guessing attack over many IPs does not help."""

    scope = "login-user"
    rate_setting = "THROTTLE_LOGIN"

    def get_cache_key(self, request, view) -> str | None:
        username = request.data.get("username") if hasattr(request.data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        return self.cache_format % {"scope": self.scope, "ident": username.strip().lower()[:254]}


def _fresh_user(user_id: int) -> User:
    return User.objects.prefetch_related("groups").get(pk=user_id)


class RegisterView(APIView):
    """Create an account; a `role` is honoured only when Management makes the call."""

    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: UserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request.user if request.user.is_authenticated else None
        user = services.user_register(**serializer.validated_data, actor=actor)
        return Response(UserSerializer(_fresh_user(user.pk)).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(request=LoginSerializer, responses={200: LoginResponseSerializer})
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.auth_login(
            identifier=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            request=request,
        )
        body = services.tokens_issue(user=user)
        body["user"] = MeSerializer(_fresh_user(user.pk)).data
        return Response(body)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer})
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.tokens_refresh(refresh_token=serializer.validated_data["refresh_token"]))


class LogoutView(APIView):
    @extend_schema(request=LogoutSerializer, responses={200: MessageSerializer})
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request.auth if request.auth is not None and hasattr(request.auth, "payload") else None
        services.auth_logout(
            user=request.user,
            access_token=access,
            refresh_token=serializer.validated_data.get("refresh_token") or None,
        )
        return Response({"message": "Logged out successfully"})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(_fresh_user(request.user.pk)).data)


# --- Positions (jabatan) and staff records ---------------------------------------------------------
class SpecLookupMixin:
    """Any id reaches the view, and a missing or malformed one answers the spec's own 404 message."""

    lookup_value_regex = "[^/]+"
    not_found_error: type[NotFoundError] = NotFoundError

    def get_object(self) -> Model:
        raw = str(self.kwargs.get(self.lookup_url_kwarg or self.lookup_field, ""))
        if not (raw.isascii() and raw.isdigit()) or not 0 < int(raw) < 2**63:
            raise self.not_found_error()
        obj = self.get_queryset().filter(pk=int(raw)).first()
        if obj is None:
            raise self.not_found_error()
        self.check_object_permissions(self.request, obj)
        return obj


_NOT_FOUND = OpenApiResponse(description="Not found (the spec's message in `detail`)")


@extend_schema_view(
    list=extend_schema(summary="List job titles (jabatan)"),
    retrieve=extend_schema(summary="One job title", responses={200: PositionSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Create a job title", request=PositionInputSerializer, responses={201: PositionSerializer}
    ),
    update=extend_schema(
        summary="Update a job title (fields left out stay unchanged)",
        request=PositionInputSerializer,
        responses={200: PositionSerializer, 404: _NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Update a job title", request=PositionInputSerializer, responses={200: PositionSerializer}
    ),
    destroy=extend_schema(
        summary="Delete a job title (409 while staff records use it)",
        responses={204: None, 404: _NOT_FOUND, 409: OpenApiResponse(description="In use")},
    ),
)
class PositionViewSet(SpecLookupMixin, viewsets.ModelViewSet):
    """Everyone with `staff.view_position` reads; writes need the add/change/delete permissions."""

    queryset = Position.objects.order_by("id")
    serializer_class = PositionSerializer
    filter_backends = [filters.SearchFilter]
    search_fields = ["name"]
    action_perms = {"list": ["staff.view_position"], "retrieve": ["staff.view_position"]}
    not_found_error = PositionNotFound

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = PositionInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        position = services.position_create(**payload.to_service_kwargs())
        return Response(PositionSerializer(position).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        position = self.get_object()
        payload = PositionInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        position = services.position_update(position=position, **payload.to_service_kwargs())
        return Response(PositionSerializer(position).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.position_delete(position=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(summary="List staff records (alamat/telepon null without personal-data rights)"),
    retrieve=extend_schema(summary="One staff record", responses={200: StaffSerializer, 404: _NOT_FOUND}),
    create=extend_schema(
        summary="Create a staff record (no usable password)",
        request=StaffInputSerializer,
        responses={201: StaffSerializer, 400: OpenApiResponse(description='"jabatan tidak valid"')},
    ),
    update=extend_schema(
        summary="Update a staff record (fields left out stay unchanged)",
        request=StaffInputSerializer,
        responses={200: StaffSerializer, 404: _NOT_FOUND},
    ),
    partial_update=extend_schema(
        summary="Update a staff record", request=StaffInputSerializer, responses={200: StaffSerializer}
    ),
    destroy=extend_schema(summary="Delete a staff record", responses={204: None, 404: _NOT_FOUND}),
)
class StaffViewSet(SpecLookupMixin, viewsets.ModelViewSet):
    """Any authenticated user reads names and jabatan; personal data needs `staff.view_personal_data`
    (or being that user); writes need the add/change/delete user permissions (Management)."""

    queryset = User.objects.select_related("position").prefetch_related("groups").order_by("id")
    serializer_class = StaffSerializer
    filter_backends = [DjangoFilterBackend, filters.SearchFilter]
    filterset_class = StaffFilter
    search_fields = ["full_name", "username"]
    not_found_error = StaffNotFound

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        user = self.request.user
        context["can_view_personal"] = bool(user and user.has_perm("staff.view_personal_data"))
        return context

    def _fresh(self, pk: int) -> User:
        return self.get_queryset().get(pk=pk)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload = StaffInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        user = services.staff_create(**payload.to_service_kwargs())
        data = self.get_serializer(self._fresh(user.pk)).data
        return Response(data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        user = self.get_object()
        payload = StaffInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.staff_update(user=user, data=payload.to_service_kwargs(), actor=request.user)
        return Response(self.get_serializer(self._fresh(user.pk)).data)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return self.update(request, *args, **kwargs)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.staff_delete(user=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- One-time passwords ----------------------------------------------------------------------------
class OTPThrottle(SettingRateThrottle):
    """Per client IP, rate THROTTLE_OTP; refusals are logged like every other OTP outcome."""

    rate_setting = "THROTTLE_OTP"

    def throttled(self, request: Request) -> None:
        otp_logger.warning("otp %s ip=%s outcome=throttled", self.scope, self.get_ident(request))


class OTPGenerateThrottle(OTPThrottle):
    scope = "otp-generate"


class OTPVerifyThrottle(OTPThrottle):
    scope = "otp-verify"


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
