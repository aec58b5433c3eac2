"""Shapes of the identity endpoints (register, login, tokens, me)."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.roles import Role
from staff.identity import canonical_username, is_encodable
from staff.models import User

USERNAME_RE = re.compile(r"^[\w.@+-]+$")


class EncodableCharField(serializers.CharField):
    """Text that is valid UTF-8 (no lone surrogates), so it can key a cache or reach the database."""

    default_error_messages = {"not_encodable": _("Text must be valid Unicode (no lone surrogates).")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if not is_encodable(value):
            self.fail("not_encodable")
        return value


class RegisterSerializer(serializers.Serializer):
    username = EncodableCharField(min_length=3, max_length=50)
    email = serializers.EmailField(max_length=254)
    password = EncodableCharField(write_only=True, max_length=128, style={"input_type": "password"})
    factory_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True)

    def validate_username(self, value: str) -> str:
        if not USERNAME_RE.match(value):
            raise serializers.ValidationError(_("Use letters, digits and @/./+/-/_ only."))
        # The stored (canonical) form must fit too: NFKC can make one character many.
        canonical = canonical_username(value)
        if len(canonical) > 50 or not USERNAME_RE.match(canonical):
            raise serializers.ValidationError(_("Ensure this field has no more than 50 characters."))
        return value

    def validate(self, attrs: dict) -> dict:
        # AUTH_PASSWORD_VALIDATORS (staff.auth.validators.PasswordPolicyValidator among them): the same
        # policy the admin's password forms and createsuperuser enforce.
        try:
            validate_password(attrs["password"], User(username=attrs["username"], email=attrs["email"]))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(dict.fromkeys(exc.messages))}) from None
        return attrs


class LoginSerializer(serializers.Serializer):
    username = EncodableCharField(max_length=254, help_text="Username or email address.")
    password = EncodableCharField(max_length=128, style={"input_type": "password"})


class RefreshSerializer(serializers.Serializer):
    refresh_token = serializers.CharField()


class LogoutSerializer(serializers.Serializer):
    refresh_token = serializers.CharField(required=False, allow_blank=True)


class UserSerializer(serializers.ModelSerializer):
    """A user as the auth endpoints show them: never the password or its hash."""

    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "factory_id",
            "department",
            "role",
            "is_active",
            "date_joined",
            "last_login",
        ]
        read_only_fields = fields


class MeSerializer(UserSerializer):
    permissions = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "is_superuser", "permissions"]
        read_only_fields = fields

    def get_permissions(self, user: User) -> list[str]:
        return sorted(user.get_all_permissions())


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.CharField()
    expires_in = serializers.IntegerField()
