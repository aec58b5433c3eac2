"""OpenAPI description of the identity endpoints: the JWT scheme (drf-spectacular extension) and the
answers the machines clients parse (`{"status": "success", ...}`; errors `{"status": "error",
"message", "detail"}`), as the views build them."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from staff.auth.serializers import MeSerializer, TokenPairSerializer, UserSerializer

SUCCESS = serializers.ChoiceField(choices=["success"], help_text='Always "success".')


class JWTAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "staff.auth.authentication.JWTAuthentication"
    name = "jwtAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}


class RegisteredSerializer(UserSerializer):
    """201 of register: the new user's fields at the top level (today's clients) and under `user`
    (the machines clients), with `status` and `message`."""

    status = SUCCESS
    message = serializers.CharField(help_text='"User registered successfully".')
    user = UserSerializer()

    class Meta(UserSerializer.Meta):
        fields = ["status", "message", *UserSerializer.Meta.fields, "user"]
        read_only_fields = fields


class TokensSerializer(TokenPairSerializer):
    """200 of refresh: a new token pair."""

    status = SUCCESS
    token_type = serializers.ChoiceField(choices=["Bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds the access token lives.")


class LoggedInSerializer(TokensSerializer):
    """200 of login: a token pair and the caller (as `GET /api/v1/auth/me` shows them)."""

    user = MeSerializer()


class MeResponseSerializer(MeSerializer):
    """200 of me: the caller's fields at the top level (today's clients) and under `user`
    (the machines clients), with `status`."""

    status = SUCCESS
    user = MeSerializer()

    class Meta(MeSerializer.Meta):
        fields = ["status", *MeSerializer.Meta.fields, "user"]
        read_only_fields = fields


class LoggedOutSerializer(serializers.Serializer):
    status = SUCCESS
    message = serializers.CharField(help_text='"Logged out successfully".')


class AuthErrorSerializer(serializers.Serializer):
    """An error under /api/v1/auth/ (config.api.exceptions.error_envelope)."""

    status = serializers.ChoiceField(choices=["error"])
    message = serializers.CharField(help_text="The text of `detail`.")
    detail = serializers.CharField()


# 400: a validation error keeps its `{field: [messages]}` beside the envelope, whose `message` and
# `detail` summarise them; a refused request (duplicate account) is the plain envelope.
AUTH_BAD_REQUEST = OpenApiResponse(
    {
        "type": "object",
        "properties": {
            "status": {"type": "string", "enum": ["error"]},
            "message": {"type": "string"},
            "detail": {"type": "string"},
        },
        "required": ["status", "message", "detail"],
        "additionalProperties": {"type": "array", "items": {"type": "string"}},
    },
    description="Invalid input: the field errors beside status, message and detail",
)
AUTH_ERROR = OpenApiResponse(AuthErrorSerializer)
