"""config/api/: skip/limit pagination, error mapping, permission class, renderer."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError
from django.db.models import ProtectedError
from django.utils.translation import gettext_lazy
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from config.api.exceptions import exception_handler
from config.api.pagination import SkipLimitPagination
from config.api.permissions import ActionPermission
from config.api.renderers import ORJSONRenderer
from config.errors import ConflictError, NotFoundError, ThrottledError, UpstreamError
from staff.models import User
from staff.tests.factories import UserFactory

factory = APIRequestFactory()


def paginate(query: str, queryset):
    request = Request(factory.get("/things/" + query))
    paginator = SkipLimitPagination()
    page = paginator.paginate_queryset(queryset, request)
    return paginator, page, paginator.get_paginated_response([obj.pk for obj in page])


@pytest.mark.django_db
def test_pagination_answers_plain_array_with_total_and_links():
    users = UserFactory.create_batch(5)
    _, _page, response = paginate("?skip=1&limit=2", User.objects.order_by("id"))
    assert response.data == [users[1].pk, users[2].pk]
    assert response["X-Total-Count"] == "5"
    assert 'rel="next"' in response["Link"] and "skip=3" in response["Link"]
    assert 'rel="prev"' in response["Link"] and "skip=0" in response["Link"]


@pytest.mark.django_db
def test_pagination_defaults_and_last_page_has_no_next():
    UserFactory.create_batch(3)
    paginator, page, response = paginate("", User.objects.order_by("id"))
    assert (paginator.skip, paginator.limit) == (0, 100)
    assert len(page) == 3
    assert "Link" not in response


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?skip=-1", "?skip=abc", "?limit=0", "?limit=1001", "?limit=1.5"])
def test_pagination_rejects_bad_parameters(query):
    with pytest.raises(ValidationError):
        paginate(query, User.objects.order_by("id"))


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (NotFoundError("Device not found"), 404, {"detail": "Device not found"}),
        (
            ConflictError("Version conflict", current_version_id=3),
            409,
            {"detail": "Version conflict", "current_version_id": 3},
        ),
        (UpstreamError(), 502, {"detail": "Upstream service failed"}),
        (ProtectedError("in use", set()), 409, None),
        (IntegrityError("duplicate key"), 409, None),
    ],
)
def test_exception_handler_maps_domain_and_database_errors(exc, status, body):
    response = exception_handler(exc, {})
    assert response.status_code == status
    if body is not None:
        assert response.data == body
    assert "detail" in response.data


def test_throttled_error_sets_retry_after():
    response = exception_handler(ThrottledError("slow down", retry_after=12.4), {})
    assert response.status_code == 429
    assert response["Retry-After"] == "12"


def test_unknown_exceptions_are_left_to_django():
    assert exception_handler(RuntimeError("boom"), {}) is None


def test_orjson_renderer_handles_lazy_strings_decimals_uuids_and_times():
    ident = uuid.uuid4()
    when = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    rendered = ORJSONRenderer().render(
        {"msg": gettext_lazy("hello"), "n": Decimal("1.50"), "id": ident, "at": when}
    )
    assert rendered == (f'{{"msg":"hello","n":1.5,"id":"{ident}","at":"2026-01-02T03:04:05Z"}}').encode()


class _View:
    def __init__(self, action=None, action_perms=None):
        self.action = action
        self.action_perms = action_perms or {}
        self.queryset = User.objects.all()


@pytest.mark.django_db
def test_action_permission_uses_django_permissions():
    permission = ActionPermission()
    user = UserFactory()
    request = Request(factory.post("/x/"))
    request.user = user
    assert permission.required_perms(request, _View()) == ["staff.add_user"]
    assert permission.has_permission(request, _View()) is False
    assert permission.required_perms(request, _View("lock", {"lock": ["staff.view_user"]})) == [
        "staff.view_user"
    ]
    # Reads need the model's view permission (a role-less account reads nothing: README "Roles").
    get_request = Request(factory.get("/x/"))
    get_request.user = user
    assert permission.required_perms(get_request, _View()) == ["staff.view_user"]
    assert permission.has_permission(get_request, _View()) is False
    superuser = UserFactory(is_superuser=True)
    request.user = superuser
    assert permission.has_permission(request, _View()) is True


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_plain_json_requests_get_json_without_negotiating(api_client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept is not None else {}
    response = api_client.get("/", **headers)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"


def test_browsers_and_format_overrides_still_negotiate(client):
    assert client.get("/", HTTP_ACCEPT="text/html").headers["Content-Type"].startswith("text/html")
    assert client.get("/?format=api").headers["Content-Type"].startswith("text/html")
    assert client.get("/", HTTP_ACCEPT="application/xml").status_code == 406
