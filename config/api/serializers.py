"""Response shapes every app documents: the error body and the plain message body."""

from __future__ import annotations

from rest_framework import serializers


class DetailSerializer(serializers.Serializer):
    """`{"detail": "..."}`: the one error shape (plus documented extras)."""

    detail = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    """`{"message": "..."}`: what the specifications answer for logout, OTP verify and deletes."""

    message = serializers.CharField()
