"""Identity endpoints: register, login, refresh, logout, me (JWT).

Every answer carries `"status": "success"` and what the machines clients read (`message`, `user`)
beside today's fields, so both kinds of client parse it; errors get their envelope from the
platform's exception handler (API_ERROR_ENVELOPE_PREFIXES)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from staff.auth import services
from staff.auth.schema import (
    AUTH_BAD_REQUEST,
    AUTH_ERROR,
    LoggedInSerializer,
    LoggedOutSerializer,
    MeResponseSerializer,
    RegisteredSerializer,
    TokensSerializer,
)
from staff.auth.serializers import (
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    UserSerializer,
)
from staff.auth.throttling import (
    LoginAccountThrottle,
    LoginIPThrottle,
    RefreshThrottle,
    RegisterThrottle,
    ThrottleFirstRefusalMixin,
)
from staff.models import User


def _with_groups(user_id: int) -> User:
    """The user with role groups prefetched, for the serializers' `role`."""
    return User.objects.prefetch_related("groups").get(pk=user_id)


class RegisterView(APIView):
    """Create an account; a `role` is honoured only when Management makes the call. A
    self-registered account gets SELF_REGISTRATION_ROLE (none by default)."""

    permission_classes = [AllowAny]
    throttle_classes = [RegisterThrottle]

    @extend_schema(
        request=RegisterSerializer,
        responses={201: RegisteredSerializer, 400: AUTH_BAD_REQUEST, 403: AUTH_ERROR, 429: AUTH_ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        actor = request.user if request.user.is_authenticated else None
        user = services.user_register(**serializer.validated_data, actor=actor)
        data = UserSerializer(_with_groups(user.pk)).data
        body = {"status": "success", "message": "User registered successfully", **data, "user": data}
        return Response(body, status=status.HTTP_201_CREATED)


class LoginView(ThrottleFirstRefusalMixin, APIView):
    """Per IP first (before the body is parsed), then per account (resolved from the body), then the
    account's lockout in the service: the same limits as the admin's password doors."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginAccountThrottle]

    @extend_schema(
        request=LoginSerializer,
        responses={200: LoggedInSerializer, 400: AUTH_BAD_REQUEST, 401: AUTH_ERROR, 429: AUTH_ERROR},
    )
    def post(self, request: Request) -> Response:
        deferred = getattr(request, "deferred_parse_error", None)
        if deferred is not None:
            # The per-account throttle met a body that does not parse: answer that error (400/413).
            raise deferred
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.auth_login(
            identifier=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            request=request._request,
        )
        body = {"status": "success", **services.tokens_issue(user=user)}
        body["user"] = MeSerializer(_with_groups(user.pk)).data
        return Response(body)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [RefreshThrottle]

    @extend_schema(
        request=RefreshSerializer,
        responses={200: TokensSerializer, 400: AUTH_BAD_REQUEST, 401: AUTH_ERROR, 429: AUTH_ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens = services.tokens_refresh(refresh_token=serializer.validated_data["refresh_token"])
        return Response({"status": "success", **tokens})


class LogoutView(APIView):
    @extend_schema(
        request=LogoutSerializer,
        responses={200: LoggedOutSerializer, 400: AUTH_BAD_REQUEST, 401: AUTH_ERROR},
    )
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request.auth if request.auth is not None and hasattr(request.auth, "payload") else None
        services.auth_logout(
            user=request.user,
            access_token=access,
            refresh_token=serializer.validated_data.get("refresh_token") or None,
        )
        return Response({"status": "success", "message": "Logged out successfully"})


class MeView(APIView):
    @extend_schema(responses={200: MeResponseSerializer, 401: AUTH_ERROR})
    def get(self, request: Request) -> Response:
        data = MeSerializer(_with_groups(request.user.pk)).data
        return Response({"status": "success", **data, "user": data})
