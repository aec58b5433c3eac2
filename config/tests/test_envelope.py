"""The declared envelope (config.api.envelope) and the `shape_error` hook of the one exception
handler, on a view outside API_ERROR_ENVELOPE_PREFIXES: any app can switch them on."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory

from config.api.viewsets import ServiceViewSet
from config.errors import NotFoundError


class Enveloped(ServiceViewSet):
    envelope = "status"
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def list(self, request):
        return Response({"count": 1})

    def create(self, request):
        return Response({"status": "partial_success", "done": 1}, status=207)

    def retrieve(self, request, pk=None):
        raise NotFoundError("Gone")

    def destroy(self, request, pk=None):
        raise ValidationError({"name": ["Bad."]})


class Shaped(Enveloped):
    def shape_error(self, exc: Exception, data: Any, request) -> Any:
        return {"detail": "Reshaped", "fields": sorted(data)} if isinstance(exc, ValidationError) else data


def call(view_class, method: str, action: str, **kwargs):
    factory = APIRequestFactory()
    request = getattr(factory, method)("/elsewhere/1")
    response = view_class.as_view({method: action})(request, **kwargs)
    response.render()
    return response


def test_success_answers_lead_with_status_success():
    assert call(Enveloped, "get", "list").data == {"status": "success", "count": 1}


def test_a_status_the_view_sets_is_kept():
    response = call(Enveloped, "post", "create")
    assert (response.status_code, response.data) == (207, {"status": "partial_success", "done": 1})


def test_errors_carry_the_error_envelope_at_any_path():
    response = call(Enveloped, "get", "retrieve", pk="1")
    assert (response.status_code, response.data) == (
        404,
        {"status": "error", "message": "Gone", "detail": "Gone"},
    )


@pytest.mark.parametrize(
    ("view_class", "expected"),
    [
        (Enveloped, {"status": "error", "message": "name: Bad.", "detail": "name: Bad.", "name": ["Bad."]}),
        (Shaped, {"status": "error", "message": "Reshaped", "detail": "Reshaped", "fields": ["name"]}),
    ],
)
def test_the_shape_error_hook_runs_before_the_envelope(view_class, expected):
    response = call(view_class, "delete", "destroy", pk="1")
    assert (response.status_code, response.data) == (400, expected)


def test_no_envelope_declared_changes_nothing():
    class Plain(Enveloped):
        envelope = None

    assert call(Plain, "get", "list").data == {"count": 1}
    assert call(Plain, "get", "retrieve", pk="1").data == {"detail": "Gone"}
