from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.roles import Role
from staff.models import Position, User, validate_phone

USERNAME_RE = re.compile(r"^[\w.@+-]+$")


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(min_length=3, max_length=50)
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(write_only=True, max_length=128, style={"input_type": "password"})
    factory_id = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    department = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=Role.choices, required=False, allow_null=True)

    def validate_username(self, value: str) -> str:
        if not USERNAME_RE.match(value):
            raise serializers.ValidationError("Use letters, digits and @/./+/-/_ only.")
        return value

    def validate(self, attrs: dict) -> dict:
        password = attrs["password"]
        problems = []
        if not re.search(r"[A-Z]", password):
            problems.append("Password must contain an upper-case letter.")
        if not re.search(r"[a-z]", password):
            problems.append("Password must contain a lower-case letter.")
        if not re.search(r"\d", password):
            problems.append("Password must contain a digit.")
        try:
            validate_password(password, User(username=attrs["username"], email=attrs["email"]))
        except DjangoValidationError as exc:
            problems.extend(m for m in exc.messages if m not in problems)
        if problems:
            raise serializers.ValidationError({"password": problems})
        return attrs


class LoginSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or email address.")
    password = serializers.CharField(max_length=128, style={"input_type": "password"})


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


class LoginResponseSerializer(TokenPairSerializer):
    user = MeSerializer()


class MessageSerializer(serializers.Serializer):
    message = serializers.CharField()


# --- Positions (jabatan) ---------------------------------------------------------------------------
class PositionSerializer(serializers.ModelSerializer):
    """A job title under the specification's field names."""

    id_jabatan = serializers.IntegerField(source="id", read_only=True)
    nama_jabatan = serializers.CharField(source="name", read_only=True)
    deskripsi = serializers.CharField(source="description", read_only=True)

    class Meta:
        model = Position
        fields = ["id_jabatan", "nama_jabatan", "deskripsi"]


class PositionInputSerializer(serializers.Serializer):
    """Create takes `nama_jabatan` (required); update (PUT/PATCH) changes only the fields sent."""

    nama_jabatan = serializers.CharField(max_length=100)
    deskripsi = serializers.CharField(required=False, allow_blank=True, allow_null=True)

    def to_service_kwargs(self) -> dict[str, Any]:
        data = self.validated_data
        kwargs: dict[str, Any] = {}
        if "nama_jabatan" in data:
            kwargs["name"] = data["nama_jabatan"]
        if "deskripsi" in data:
            kwargs["description"] = data["deskripsi"] or ""
        return kwargs


# --- Staff records ---------------------------------------------------------------------------------
PERSONAL_FIELDS = ("alamat", "telepon")


class StaffSerializer(serializers.ModelSerializer):
    """A staff record; `alamat`/`telepon` are null unless the caller may see personal data."""

    id_user = serializers.IntegerField(source="id", read_only=True)
    nama = serializers.CharField(source="full_name", read_only=True)
    alamat = serializers.CharField(source="address", read_only=True, allow_null=True)
    telepon = serializers.CharField(source="phone", read_only=True, allow_null=True)
    id_jabatan = serializers.IntegerField(source="position_id", read_only=True, allow_null=True)
    jabatan = PositionSerializer(source="position", read_only=True, allow_null=True)
    role = serializers.CharField(read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = [
            "id_user",
            "nama",
            "alamat",
            "telepon",
            "id_jabatan",
            "jabatan",
            "username",
            "email",
            "role",
            "department",
            "factory_id",
            "is_active",
        ]
        read_only_fields = fields

    def to_representation(self, instance: User) -> dict[str, Any]:
        data = super().to_representation(instance)
        request = self.context.get("request")
        is_self = request is not None and request.user.pk == instance.pk
        if not (self.context.get("can_view_personal") or is_self):
            for field in PERSONAL_FIELDS:
                data[field] = None
        return data


def _check_phone(value: str | None) -> str | None:
    try:
        validate_phone(value or "")
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None
    return value


class StaffInputSerializer(serializers.Serializer):
    """Create needs `nama` and `id_jabatan`; update (PUT/PATCH) changes only the fields sent."""

    nama = serializers.CharField(max_length=150)
    alamat = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    telepon = serializers.CharField(required=False, allow_blank=True, allow_null=True, max_length=20)
    id_jabatan = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    department = serializers.CharField(required=False, allow_blank=True, max_length=100)
    factory_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    is_active = serializers.BooleanField(required=False)

    field_map = {
        "nama": "full_name",
        "alamat": "address",
        "telepon": "phone",
        "id_jabatan": "position_id",
        "department": "department",
        "factory_id": "factory_id",
        "is_active": "is_active",
    }

    def validate_telepon(self, value: str | None) -> str | None:
        return _check_phone(value)

    def to_service_kwargs(self) -> dict[str, Any]:
        """Validated input under the model's field names (only the fields that were sent)."""
        return {self.field_map[name]: value for name, value in self.validated_data.items()}


# --- One-time passwords ----------------------------------------------------------------------------
@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1, "maxLength": 64}]})
class OTPIdField(serializers.Field):
    """An integer or a string of at most 64 characters; compared as text, so 123 and "123" match."""

    default_error_messages = {
        "invalid": "Must be an integer or a string.",
        "blank": "This field may not be blank.",
        "max_length": "Ensure this field has no more than 64 characters.",
    }

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        text = str(data)
        if not text.strip():
            self.fail("blank")
        if len(text) > 64:
            self.fail("max_length")
        return text

    def to_representation(self, value: Any) -> Any:
        return value


class OTPGenerateSerializer(serializers.Serializer):
    id = OTPIdField()


class DigitStringField(serializers.RegexField):
    """A JSON string of ASCII digits; a JSON number is refused rather than converted."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": "OTP must be a string of digits."})
        super().__init__(r"^[0-9]+$", **kwargs)

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class OTPVerifySerializer(serializers.Serializer):
    id = OTPIdField()
    otp = DigitStringField(max_length=64, trim_whitespace=False)


class OTPGenerateResponseSerializer(serializers.Serializer):
    otp = serializers.CharField(required=False, help_text="Only when OTP_RETURN_CODE is true.")
    message = serializers.CharField(required=False, help_text='"OTP sent" when the code is not returned.')
