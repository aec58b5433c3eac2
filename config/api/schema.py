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
    """Adds the shared error answers (401 without credentials, 404 on a path with an id),
    documents a `partial_put` viewset's PUT body as partial, as the view treats it, and a viewset
    that declares an `envelope` (config.api.envelope) as answering one document, its list included."""

    def _is_list_view(self, serializer=None) -> bool:
        if getattr(self.view, "envelope", None):
            return False
        return super()._is_list_view(serializer)

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


# --- Grouping by domain --------------------------------------------------------------------------
# (tag, one-line description, path prefixes). A path takes the tag of its longest matching prefix;
# a prefix ending in "$" matches that path only. config/tests/test_browsable.py fails on a path
# no prefix matches.
TAGS: list[tuple[str, str, tuple[str, ...]]] = [
    ("Smart locks", "Locks and their version-checked status changes, with the change log.", ("/device",)),
    ("Staff", "Staff records and positions (jabatan).", ("/users", "/jabatan")),
    ("OTP", "One-time passwords: generate and verify.", ("/otp/",)),
    (
        "Sensors",
        "Units, sensors and readings with their validate/archive workflow.",
        ("/api/units", "/api/sensors", "/api/sensor-data"),
    ),
    (
        "Machines",
        "Machines, telemetry ingest and history, system configuration.",
        ("/api/v1/data/", "/api/v1/config"),
    ),
    (
        "Maintenance",
        "Categories, spare parts, service orders and the audit log.",
        ("/api/v1/categories", "/api/v1/items", "/api/v1/orders", "/api/v1/audit"),
    ),
    ("Auth", "JWT login, refresh, logout, registration and the current user.", ("/api/v1/auth/",)),
    (
        "Health",
        "Liveness, readiness, and the indexes of links at /, /api/ and /api/v1/.",
        ("/health", "/$", "/api/$", "/api/v1/$"),
    ),
]


def tag_for_path(path: str) -> str | None:
    """The tag of an OpenAPI path: the one whose prefix is its longest match."""
    best, best_length = None, -1
    for tag, _description, prefixes in TAGS:
        for prefix in prefixes:
            exact = prefix.endswith("$")
            matched = path == prefix[:-1] if exact else path.startswith(prefix)
            if matched and len(prefix) > best_length:
                best, best_length = tag, len(prefix)
    return best


def tag_by_path(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: one domain tag per operation, and the groups' list."""
    for path, operations in result.get("paths", {}).items():
        tag = tag_for_path(path)
        if tag is None:
            continue
        for operation in operations.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation["tags"] = [tag]
    result["tags"] = [{"name": tag, "description": description} for tag, description, _ in TAGS]
    return result
