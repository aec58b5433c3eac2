"""Response shapes every app documents: the error body and the plain message body."""

from __future__ import annotations

from rest_framework import serializers

from config.api.schema import DetailSerializer

__all__ = ["DetailSerializer", "MessageSerializer"]


class MessageSerializer(serializers.Serializer):
    """`{"message": "..."}`: what the specifications answer for logout, OTP verify and deletes."""

    message = serializers.CharField()
