"""OpenAPI generation: what every endpoint shares is documented once, here, not per view."""

from __future__ import annotations

from types import SimpleNamespace

from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, force_instance
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

# --- Shared error answers -------------------------------------------------------------------------
# One error body for every status the platform answers by itself: `{"detail": ...}` from DRF and
# config.api.exceptions, `{"field": ["..."]}` for a validation error, and the clients' envelope
# (`status`, `message`) beside them under API_ERROR_ENVELOPE_PREFIXES. Hence no required key and
# any extra key allowed: it documents what every one of those answers has in common.
ERROR_COMPONENT = "ApiError"
ERROR_SCHEMA = {
    "type": "object",
    "description": 'An error: `{"detail": "..."}`, or `{"field": ["..."]}` for invalid input; under '
    "/api/v1/auth/, /api/v1/data/ and /api/v1/config also `status` and `message`.",
    # No types: a field of the request may be named `status` or `message` too (its errors a list).
    "properties": {
        "detail": {"description": "What went wrong (a text, or the errors of a field)."},
        "status": {"description": "\"error\" under the clients' prefixes (or a field's errors)."},
        "message": {"description": "The text of `detail` under the clients' prefixes (or a field's errors)."},
    },
    "additionalProperties": {},
}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
PAGE_HEADERS = {
    "X-Total-Count": {"schema": {"type": "integer", "minimum": 0}, "description": "Rows in the whole list."},
    "Link": {
        "schema": {"type": "string"},
        "description": 'The next and previous pages (`<url>; rel="next"`), when there are any.',
    },
}
# Status -> (description, headers): the answers an operation gets by what it declares (below).
SHARED_RESPONSES: dict[str, tuple[str, dict]] = {
    "400": ("Invalid input: a body, parameter or Idempotency-Key the endpoint refuses.", {}),
    "401": ("No credentials, or invalid/expired/revoked ones.", {}),
    "403": ("Authenticated, but this role may not do this.", {}),
    "404": ("Nothing with that id (or a malformed id).", {}),
    "409": ("Still referenced by other records (a protected relation): not deleted.", {}),
    "429": ("Throttled: too many requests.", RETRY_AFTER),
    "503": ("A dependency (database, cache, storage) is unavailable; retry later.", RETRY_AFTER),
}
_BODY_METHODS = ("POST", "PUT", "PATCH")


class DetailSerializer(serializers.Serializer):
    """`{"detail": "..."}`: the one error component of the schema (plus documented extras); every
    app's views document their errors with it, none declares its own."""

    detail = serializers.CharField()


class AutoSchema(SpectacularAutoSchema):
    """Documents from the view's own declarations what the platform answers for every endpoint:
    400 where it takes input (a body, query or path parameters), 401 unless public, 403 where a
    permission class can refuse an authenticated user, 404 on a path with an id, 409 on a DELETE of
    a row others may PROTECT, 429 where it is throttled, 503 everywhere (a dependency outage);
    X-Total-Count/Link on a paged list; only JSON for a nested body (a form can't carry it); the
    serializers' `nullable_in_response`/`required_on_partial`, list bounds, no e-mail format on
    answers. A view's own `extend_schema` answer for a status wins. Also documents a `partial_put`
    viewset's PUT body as partial, as the view treats it. A viewset
    that declares an `envelope` (config.api.envelope) answers one document, its list included."""

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

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if (
            isinstance(field, serializers.ListSerializer | serializers.ListField)
            and schema.get("type") == "array"
        ):
            if not getattr(field, "allow_empty", True):
                schema.setdefault("minItems", 1)
            if getattr(field, "max_length", None) is not None:
                schema.setdefault("maxItems", field.max_length)
        return schema

    def _map_basic_serializer(self, serializer, direction):
        """Marks `nullable_in_response` fields (the serializer's list: a field its
        to_representation may null, e.g. hidden personal data) nullable in answers."""
        schema = super()._map_basic_serializer(serializer, direction)
        if direction == "request":
            # A field the serializer's validate() demands even on PATCH (e.g. a version check).
            required = [
                name
                for name in getattr(serializer, "required_on_partial", ())
                if name in schema.get("properties", {})
            ]
            if required:
                schema["required"] = sorted({*schema.get("required", ()), *required})
        if direction == "response":
            properties = schema.get("properties", {})
            for prop in properties.values():
                if prop.get("format") == "email":
                    del prop["format"]  # a stored address may be "" (not an e-mail by the format)
            for name in getattr(serializer, "nullable_in_response", ()):
                if name in properties and not properties[name].get("nullable"):
                    prop = properties[name]
                    properties[name] = (
                        {"allOf": [prop], "nullable": True} if "$ref" in prop else {**prop, "nullable": True}
                    )
        return schema

    def map_parsers(self) -> list:
        media_types = super().map_parsers()
        if _is_nested(self.get_request_serializer()):
            return [media for media in media_types if "json" in media] or media_types
        return media_types

    def _error_ref(self) -> dict:
        component = ResolvedComponent(
            name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object=ERROR_COMPONENT
        )
        self.registry.register_on_missing(component)
        return component.ref

    def _shared_statuses(self) -> list[str]:
        """The shared statuses this operation can answer, from its view's declarations."""
        permissions = self.view.get_permissions()
        public = any(isinstance(p, AllowAny) for p in permissions)
        takes_input = (
            self.method in _BODY_METHODS
            or "{" in self.path
            or bool(self._get_paginator() and self._is_list_view())
            or any(p.get("in") == "query" for p in self._get_parameters() or ())
        )
        statuses = ["400"] if takes_input else []
        if not public:
            statuses.append("401")
            if any(self._can_refuse(p) for p in permissions):
                statuses.append("403")
        if "{" in self.path:
            statuses.append("404")
        if self.method == "DELETE" and _is_referenced(getattr(self.view, "queryset", None)):
            statuses.append("409")
        if self.view.get_throttles():
            statuses.append("429")
        statuses.append("503")
        return statuses

    def _can_refuse(self, permission) -> bool:
        """Whether `permission` can refuse an authenticated user this operation: not a plain
        IsAuthenticated, and (an ActionPermission) some Django permission is required for it."""
        if type(permission) in (IsAuthenticated, AllowAny):
            return False
        required_perms = getattr(permission, "required_perms", None)
        if required_perms is None:
            return True
        return bool(required_perms(SimpleNamespace(method=self.method), self.view))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for status in self._shared_statuses():
            if status in responses:
                continue
            description, headers = SHARED_RESPONSES[status]
            responses[status] = {
                **({"headers": headers} if headers else {}),
                "content": {"application/json": {"schema": self._error_ref()}},
                "description": description,
            }
        if self._get_paginator() and self._is_list_view() and self.method == "GET":
            for status, response in responses.items():
                if status.startswith("2"):
                    response.setdefault("headers", {}).update(PAGE_HEADERS)
        return responses


def invalid_input(description: str) -> OpenApiResponse:
    """A view's own 400 description with the shared error body (field errors or `detail`)."""
    return OpenApiResponse({"$ref": f"#/components/schemas/{ERROR_COMPONENT}"}, description=description)


def _is_referenced(queryset) -> bool:
    """Whether a row of `queryset`'s model can be protected from deletion by another (PROTECT or
    RESTRICT), which config.api.exceptions answers 409."""
    if queryset is None:
        return False
    return any(
        getattr(relation, "on_delete", None) in (models.PROTECT, models.RESTRICT)
        for relation in queryset.model._meta.related_objects
    )


def _is_nested(serializer) -> bool:
    """Whether a request body has a field a form can't carry (a list, a mapping, a nested object)."""
    serializer = force_instance(serializer)
    if isinstance(serializer, serializers.ListSerializer):
        return True
    if not isinstance(serializer, serializers.BaseSerializer):
        return False
    nested = (serializers.BaseSerializer, serializers.ListField, serializers.DictField, serializers.JSONField)
    return any(isinstance(f, nested) and not f.read_only for f in serializer.fields.values())


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
        "Machines, telemetry ingest and history, system configuration, threshold alerts.",
        ("/api/v1/data/", "/api/v1/config", "/api/v1/alerts"),
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


MAX_BIGINT = 2**63 - 1
PAGING_PARAMETERS = ("skip", "limit", "offset")
# config.middleware's URL guard: a control character in the path or a query parameter is a 400.
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x1f\\x7f]*$"


def _tighten_parameter(parameter: dict) -> None:
    """An id and every integer (or number: all ids) filter is 1..bigint (README "Input limits");
    a text in the path or query holds no control character; an Idempotency-Key is 1-255 long."""
    schema = parameter.get("schema")
    if not isinstance(schema, dict) or parameter.get("name") in PAGING_PARAMETERS:
        return
    if parameter.get("in") in ("path", "query"):
        if schema.get("type") == "number":
            schema["type"] = "integer"  # a number filter here is an id (a row or a user): no fraction
        if schema.get("type") == "integer":
            schema.setdefault("minimum", 1)
            schema.setdefault("maximum", MAX_BIGINT)
        elif schema.get("type") == "string" and not ({"enum", "format", "pattern"} & schema.keys()):
            schema["pattern"] = NO_CONTROL_CHARACTERS
    if parameter.get("in") == "header" and parameter.get("name") == "Idempotency-Key":
        schema.setdefault("minLength", 1)
        schema.setdefault("maxLength", 255)


def tighten(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: what the views answer but no declaration can say.

    Parameters as the platform checks them (`_tighten_parameter`); an operation's security
    alternatives listed once each (logout's `jwtAuth` was twice).
    """
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", ()):
                _tighten_parameter(parameter)
            if "security" in operation:
                unique = []
                for requirement in operation["security"]:
                    if requirement not in unique:
                        unique.append(requirement)
                operation["security"] = unique
    return result


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
