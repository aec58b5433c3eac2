"""The platform's fast paths: `row_fields` output, the count-only-when-needed paging rule, the
lookup and delete declarations of ServiceModelViewSet, and `config.db.rows.pk_row`."""

from __future__ import annotations

import json
import types
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from config.api.viewsets import ServiceModelViewSet
from config.db.rows import pk_row
from config.errors import DomainError, NotFoundError
from locks.models import Device
from staff.models import User

factory = APIRequestFactory()
FIELDS = ("id", "username", "is_active", "date_joined")


class UserOut(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = list(FIELDS)


class UserGone(NotFoundError):
    def __init__(self, pk: object | None = None) -> None:
        super().__init__(f"User with id {pk} not found" if pk is not None else "User not found")


class NonPositive(DomainError):
    def __init__(self, label: str) -> None:
        super().__init__(f"{label} ID must be positive")


class SerializedUsers(ServiceModelViewSet):
    """The DRF serializer path (no `row_fields`): what the row path must answer byte for byte."""

    queryset = User.objects.order_by("id")
    serializer_class = UserOut
    authentication_classes: list = []
    permission_classes = [AllowAny]
    filter_backends: list = []
    not_found_error = UserGone


class RowUsers(SerializedUsers):
    row_fields = FIELDS


def call(viewset: type, actions: dict[str, str], path: str, method: str = "get", **kwargs):
    request = getattr(factory, method)(path)
    response = viewset.as_view(actions)(request, **kwargs)
    response.render()
    return response


def count_queries(captured: CaptureQueriesContext) -> int:
    return sum("COUNT(" in query["sql"].upper() for query in captured.captured_queries)


@pytest.fixture
def users(db) -> list[User]:
    return [User.objects.create_user(username=f"user{n}", password="x") for n in range(5)]


# --- row output -------------------------------------------------------------------------------------
def test_row_output_answers_what_the_serializer_answers(users):
    for actions, path, kwargs in [
        ({"get": "list"}, "/u/?skip=1&limit=3", {}),
        ({"get": "retrieve"}, f"/u/{users[2].pk}", {"pk": str(users[2].pk)}),
    ]:
        serialized = call(SerializedUsers, actions, path, **kwargs)
        rows = call(RowUsers, actions, path, **kwargs)
        assert rows.status_code == serialized.status_code == 200
        assert json.loads(rows.content) == json.loads(serialized.content)
        assert rows.get("X-Total-Count") == serialized.get("X-Total-Count")
        assert rows.get("Link") == serialized.get("Link")


def test_row_output_builds_no_serializer(users, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the row path built a serializer")

    monkeypatch.setattr(UserOut, "to_representation", refuse)
    assert call(RowUsers, {"get": "list"}, "/u/").status_code == 200
    assert call(RowUsers, {"get": "retrieve"}, "/u/1", pk=str(users[0].pk)).status_code == 200


class ActiveRowUsers(RowUsers):
    """A scoped queryset: the detail read must keep its filter (no primary-key shortcut)."""

    queryset = User.objects.filter(is_active=True)


def test_a_plain_key_read_is_one_prebuilt_statement(users):
    with CaptureQueriesContext(connection) as captured:
        response = call(RowUsers, {"get": "retrieve"}, "/u/1", pk=str(users[3].pk))
    assert json.loads(response.content)["username"] == users[3].username
    (query,) = captured.captured_queries
    # pk_row's statement (bare column names, no ORDER BY or LIMIT), not the ORM's compiled query.
    assert query["sql"].startswith('SELECT "id", "username", "is_active", "date_joined" FROM ')
    assert query["sql"].endswith(f'WHERE "id" = {users[3].pk}')


def test_a_scoped_queryset_keeps_its_filter_on_a_detail_read(users):
    users[4].is_active = False
    users[4].save(update_fields=["is_active"])
    assert call(ActiveRowUsers, {"get": "retrieve"}, "/u/1", pk=str(users[3].pk)).status_code == 200
    hidden = call(ActiveRowUsers, {"get": "retrieve"}, "/u/1", pk=str(users[4].pk))
    assert (hidden.status_code, json.loads(hidden.content)) == (404, {"detail": "User not found"})
    assert call(RowUsers, {"get": "retrieve"}, "/u/1", pk=str(users[4].pk)).status_code == 200


def test_an_overridden_rows_keeps_the_compiled_query(users):
    class JoinedRows(RowUsers):
        def rows(self, queryset):
            return queryset.values(*FIELDS)

    with CaptureQueriesContext(connection) as captured:
        assert call(JoinedRows, {"get": "retrieve"}, "/u/1", pk=str(users[0].pk)).status_code == 200
    assert "LIMIT" in captured.captured_queries[0]["sql"]


def test_row_output_keeps_the_domain_404(users):
    missing = call(RowUsers, {"get": "retrieve"}, "/u/999999", pk="999999")
    assert (missing.status_code, json.loads(missing.content)) == (404, {"detail": "User not found"})


def test_browsable_api_detail_keeps_the_serializer_path(users, monkeypatch):
    """Its edit form is pre-filled from the serializer's data, which a row does not carry; its
    lists stay rows (a join such as sensors' `?with_details=` shows there too)."""
    used = []
    real = UserOut.to_representation
    monkeypatch.setattr(UserOut, "to_representation", lambda self, obj: used.append(obj) or real(self, obj))
    RowUsers.as_view({"get": "list"})(factory.get("/u/", HTTP_ACCEPT="text/html")).render()
    assert not used
    request = factory.get(f"/u/{users[0].pk}", HTTP_ACCEPT="text/html")
    RowUsers.as_view({"get": "retrieve"})(request, pk=str(users[0].pk)).render()
    assert used


# --- the count-only-when-needed rule ----------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "total", "counted"),
    [
        ("?limit=10", "5", False),  # a short page: 0 + 5 rows
        ("?skip=3&limit=10", "5", False),  # a short page past the start: 3 + 2 rows
        ("?limit=5", "5", True),  # a full page: more may follow
        ("?skip=10&limit=5", "5", True),  # past the end: the page says nothing
    ],
)
def test_a_short_page_tells_the_total(users, query, total, counted):
    with CaptureQueriesContext(connection) as captured:
        response = call(RowUsers, {"get": "list"}, "/u/" + query)
    assert response["X-Total-Count"] == total
    assert count_queries(captured) == (1 if counted else 0)


def test_an_empty_list_is_counted_by_its_page(db):
    with CaptureQueriesContext(connection) as captured:
        response = call(SerializedUsers, {"get": "list"}, "/u/")
    assert (json.loads(response.content), response["X-Total-Count"]) == ([], "0")
    assert count_queries(captured) == 0


def test_the_serializer_path_follows_the_rule_too(users):
    with CaptureQueriesContext(connection) as captured:
        response = call(SerializedUsers, {"get": "list"}, "/u/?skip=4")
    assert response["X-Total-Count"] == "5" and 'rel="prev"' in response["Link"]
    assert count_queries(captured) == 0


def test_a_full_page_counts_through_the_views_count_rows(users):
    class CountedUsers(RowUsers):
        def count_rows(self, queryset):
            return 1234

    response = call(CountedUsers, {"get": "list"}, "/u/?limit=2")
    assert response["X-Total-Count"] == "1234"
    assert 'rel="next"' in response["Link"]


def test_a_view_sizes_its_pages(users):
    class SmallPages(RowUsers):
        page_default_limit = 2
        page_max_limit = 3

    assert len(json.loads(call(SmallPages, {"get": "list"}, "/u/").content)) == 2
    refused = call(SmallPages, {"get": "list"}, "/u/?limit=4")
    assert (refused.status_code, json.loads(refused.content)) == (
        400,
        {"limit": ["Must be between 1 and 3."]},
    )


# --- lookup and delete declarations -----------------------------------------------------------------
class SpecUsers(RowUsers):
    not_found_names_id = True
    nonpositive_id_error = NonPositive
    id_label = "User"
    deleted_message = "User with id {id} deleted successfully"
    services = types.SimpleNamespace(user_delete=lambda *, user, actor: user.pk)
    entity = "user"


@pytest.mark.parametrize(
    ("raw", "status", "detail"),
    [
        ("0", 400, "User ID must be positive"),
        ("-3", 400, "User ID must be positive"),
        ("abc", 404, "User not found"),
        ("1.5", 404, "User not found"),
        ("999999", 404, "User with id 999999 not found"),
        ("99999999999999999999", 404, "User with id 99999999999999999999 not found"),
    ],
)
def test_declared_id_rules(db, raw, status, detail):
    response = call(SpecUsers, {"get": "retrieve"}, f"/u/{raw}", pk=raw)
    assert (response.status_code, json.loads(response.content)) == (status, {"detail": detail})


def test_without_the_declarations_a_signed_id_names_nothing(users):
    for raw in ("0", "+1", "-1"):
        response = call(RowUsers, {"get": "retrieve"}, f"/u/{raw}", pk=raw)
        assert (response.status_code, json.loads(response.content)) == (404, {"detail": "User not found"})


def test_a_signed_id_parses_when_declared(users):
    response = call(SpecUsers, {"get": "retrieve"}, f"/u/+{users[0].pk}", pk=f"+{users[0].pk}")
    assert json.loads(response.content)["id"] == users[0].pk


def test_deleted_message_answers_200_with_the_id(users):
    response = call(SpecUsers, {"delete": "destroy"}, "/u/1", method="delete", pk=str(users[0].pk))
    assert (response.status_code, json.loads(response.content)) == (
        200,
        {"message": f"User with id {users[0].pk} deleted successfully", "deleted_id": users[0].pk},
    )


def test_without_deleted_message_a_delete_answers_204(users):
    class Users(RowUsers):
        services = types.SimpleNamespace(user_delete=lambda *, user, actor: None)
        entity = "user"

    response = call(Users, {"delete": "destroy"}, "/u/1", method="delete", pk=str(users[0].pk))
    assert (response.status_code, response.content) == (204, b"")


# --- pk_row -----------------------------------------------------------------------------------------
def test_pk_row_equals_the_orms_values(users):
    user = users[1]
    expected = User.objects.filter(pk=user.pk).values(*FIELDS).get()
    assert pk_row(User, FIELDS, user.pk) == expected
    assert pk_row(User, FIELDS, 999_999) is None


def test_pk_row_converts_uuids_and_datetimes_as_the_orm_does(db):
    device = Device.objects.create(id=uuid.uuid4(), name="Door", type="smart-lock", status="locked")
    fields = ("id", "name", "version_id", "updated_at")
    row = pk_row(Device, fields, device.pk)
    assert row == Device.objects.filter(pk=device.pk).values(*fields).get()
    assert isinstance(row["id"], uuid.UUID) and row["updated_at"].tzinfo is not None
