"""Identity endpoints: register, login, refresh, logout, me (JWT)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.api.serializers import MessageSerializer
from config.api.throttling import SettingRateThrottle
from staff.models import User
from staff.serializers.auth import (
    LoginResponseSerializer,
    LoginSerializer,
    LogoutSerializer,
    MeSerializer,
    RefreshSerializer,
    RegisterSerializer,
    TokenPairSerializer,
    UserSerializer,
)
from staff.services import auth


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


def _with_groups(user_id: int) -> User:
    """The user with role groups prefetched, for the serializers' `role`."""
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
        user = auth.user_register(**serializer.validated_data, actor=actor)
        return Response(UserSerializer(_with_groups(user.pk)).data, status=status.HTTP_201_CREATED)


class LoginView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle, LoginUsernameThrottle]

    @extend_schema(request=LoginSerializer, responses={200: LoginResponseSerializer})
    def post(self, request: Request) -> Response:
        serializer = LoginSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = auth.auth_login(
            identifier=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
            request=request,
        )
        body = auth.tokens_issue(user=user)
        body["user"] = MeSerializer(_with_groups(user.pk)).data
        return Response(body)


class RefreshView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [LoginIPThrottle]

    @extend_schema(request=RefreshSerializer, responses={200: TokenPairSerializer})
    def post(self, request: Request) -> Response:
        serializer = RefreshSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(auth.tokens_refresh(refresh_token=serializer.validated_data["refresh_token"]))


class LogoutView(APIView):
    @extend_schema(request=LogoutSerializer, responses={200: MessageSerializer})
    def post(self, request: Request) -> Response:
        serializer = LogoutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        access = request.auth if request.auth is not None and hasattr(request.auth, "payload") else None
        auth.auth_logout(
            user=request.user,
            access_token=access,
            refresh_token=serializer.validated_data.get("refresh_token") or None,
        )
        return Response({"message": "Logged out successfully"})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(_with_groups(request.user.pk)).data)
