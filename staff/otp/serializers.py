"""Shapes of the one-time-password endpoints."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from staff.identity import is_encodable


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string", "minLength": 1, "maxLength": 64}]})
class OTPIdField(serializers.Field):
    """An integer or a string of at most 64 characters; compared as text, so 123 and "123" match.

    A string of ASCII digits is an integer id: leading zeros are dropped ("0008" is 8), so padding
    cannot start a new cooldown, attempt counter or code for the same user.
    """

    default_error_messages = {
        "invalid": _("Must be an integer or a string."),
        "not_encodable": _("Text must be valid Unicode (no lone surrogates)."),
        "null_characters": _("Null characters are not allowed."),
        "blank": _("This field may not be blank."),
        "max_length": _("Ensure this field has no more than 64 characters."),
    }

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, int | str):
            self.fail("invalid")
        text = str(data)
        if not text.strip():
            self.fail("blank")
        if len(text) > 64:
            self.fail("max_length")
        if not is_encodable(text):
            self.fail("not_encodable")
        if "\x00" in text:
            # No account id holds NUL; refused like every other text field (DRF's CharField).
            self.fail("null_characters")
        if text.isascii() and text.isdigit():
            text = str(int(text))
        return text

    def to_representation(self, value: Any) -> Any:
        return value


class OTPGenerateSerializer(serializers.Serializer):
    id = OTPIdField()


class DigitStringField(serializers.RegexField):
    """A JSON string of ASCII digits; a JSON number is refused rather than converted."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("error_messages", {"invalid": _("OTP must be a string of digits.")})
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
