"""OpenAPI generation: what every endpoint shares is documented once, here, not per view."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers
from rest_framework.permissions import AllowAny


class DetailSerializer(serializers.Serializer):
    """`{"detail": "..."}`: the one error component of the schema (plus documented extras); every
    app's views document their errors with it, none declares its own."""

    detail = serializers.CharField()


class AutoSchema(SpectacularAutoSchema):
    """Adds the shared error answers (401 without credentials, 404 on a path with an id) and
    documents a `partial_put` viewset's PUT body as partial, as the view treats it."""

    def _get_request_for_media_type(self, serializer, direction="request"):
        if self.method == "PUT" and getattr(self.view, "partial_put", False):
            self.method = "PATCH"
            try:
                return super()._get_request_for_media_type(serializer, direction)
            finally:
                self.method = "PUT"
        return super()._get_request_for_media_type(serializer, direction)

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        public = any(isinstance(p, AllowAny) for p in self.view.get_permissions())
        if not public and "401" not in responses:
            responses["401"] = self._get_response_for_code(DetailSerializer, "401", direction=direction)
        if "{" in self.path and "404" not in responses:
            responses["404"] = self._get_response_for_code(DetailSerializer, "404", direction=direction)
        return responses
