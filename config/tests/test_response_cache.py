"""The platform's cached list pages (`list_cache`, config.api.response_cache), the planned serializer
output (config.api.output.PlannedSerializer) and the base viewset's `no_fields_error` and
`filters_need_params` declarations."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django_filters import rest_framework as filters
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import serializers
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.permissions import AllowAny
from rest_framework.test import APIRequestFactory

from config import cache as shared_cache
from config.api.filters import BoundedIntegerFilter
from config.api.output import BlankAsNullCharField, PlannedSerializer
from config.api.response_cache import ListCache
from config.api.viewsets import ServiceModelViewSet
from config.errors import DomainError
from staff.models import User

factory = APIRequestFactory()
GENERATION = "test:users:gen"


class UserOut(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    username = serializers.CharField(read_only=True)


class UserFilter(filters.FilterSet):
    min_id = BoundedIntegerFilter(field_name="id", lookup_expr="gte")

    class Meta:
        model = User
        fields = ["min_id"]


class CachedUsers(ServiceModelViewSet):
    queryset = User.objects.order_by("id")
    serializer_class = UserOut
    authentication_classes: list = []
    permission_classes = [AllowAny]
    filter_backends = [DjangoFilterBackend, SearchFilter]
    filterset_class = UserFilter
    search_fields = ["username"]
    list_cache = ListCache(generation=GENERATION, timeout=60)


def get(path: str, viewset: type = CachedUsers, **headers):
    response = viewset.as_view({"get": "list"})(factory.get(path, **headers))
    if hasattr(response, "render"):
        response.render()
    return response


def entries(cache) -> list[str]:
    return [key for key in cache.keys(f"{GENERATION}:*")]


@pytest.fixture
def users(db) -> list[User]:
    return [User.objects.create_user(username=f"user{n}", password="x") for n in range(5)]


# --- list_cache on a shared cache ---------------------------------------------------------------
@pytest.mark.redis
def test_a_cached_page_is_the_same_answer_without_a_query(users, redis_cache):
    first = get("/u/?limit=2")
    with CaptureQueriesContext(connection) as captured:
        again = get("/u/?limit=2")
    assert captured.captured_queries == []
    assert again.content == first.content
    assert json.loads(first.content) == [{"id": u.pk, "username": u.username} for u in users[:2]]
    assert (
        (again["X-Total-Count"], again["Link"])
        == (first["X-Total-Count"], first["Link"])
        == (
            "5",
            '<http://testserver/u/?limit=2&skip=2>; rel="next"',
        )
    )
    assert again["Content-Type"] == "application/json"


@pytest.mark.redis
def test_the_key_is_built_from_the_validated_params_only(users, redis_cache):
    """Issue 15 finding 11: junk parameters, `format`, leading zeros and the order or repetition
    of search terms are not new entries; another filter value is."""
    first = get("/u/?limit=2&search=user")
    assert len(entries(redis_cache)) == 1
    for path in (
        "/u/?limit=2&search=user&junk=1",
        "/u/?limit=2&search=user&junk=2",
        "/u/?limit=02&skip=0&search=user",
        "/u/?limit=2&search=user%20user&format=json",
    ):
        assert get(path).content == first.content, path
    assert len(entries(redis_cache)) == 1
    get("/u/?limit=2&search=user&min_id=2")
    get("/u/?limit=2&search=user&min_id=02")
    assert len(entries(redis_cache)) == 2


@pytest.mark.redis
def test_a_bad_param_is_a_400_before_the_cache(users, redis_cache):
    for path in ("/u/?limit=x", "/u/?skip=-1", "/u/?min_id=1.5", "/u/?limit=0"):
        response = get(path)
        assert response.status_code == 400, path
        assert isinstance(json.loads(response.content), dict)
    assert entries(redis_cache) == []


@pytest.mark.redis
def test_the_links_are_made_for_each_requests_own_url(users, redis_cache):
    get("/u/?limit=2&junk=first")
    response = get("/u/?limit=2&junk=second")
    assert "junk=second" in response["Link"] and "junk=first" not in response["Link"]


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_committed_bump_is_seen_by_the_next_read(redis_cache):
    User.objects.create_user(username="a", password="x")
    assert [u["username"] for u in json.loads(get("/u/").content)] == ["a"]
    with transaction.atomic():
        User.objects.create_user(username="b", password="x")
        shared_cache.bump_on_commit(GENERATION)
        # Not committed yet: the generation is unchanged, the cached page still served.
        assert [u["username"] for u in json.loads(get("/u/").content)] == ["a"]
    assert [u["username"] for u in json.loads(get("/u/").content)] == ["a", "b"]


class RacingOut(UserOut):
    """Bumps the generation while the page is being built: a write committed mid-read."""

    def to_representation(self, instance):
        shared_cache.bump(GENERATION)
        return super().to_representation(instance)


class RacingUsers(CachedUsers):
    serializer_class = RacingOut


@pytest.mark.redis
def test_a_page_computed_across_a_write_is_never_served(users, redis_cache):
    get("/u/?limit=1", RacingUsers)
    with CaptureQueriesContext(connection) as captured:
        get("/u/?limit=1")
    assert captured.captured_queries, "the entry stored under the old generation was served"


@pytest.mark.redis
def test_the_browsable_api_is_not_cached(users, redis_cache):
    response = get("/u/?format=api")
    assert response.status_code == 200 and b"<html" in response.content.lower()
    assert entries(redis_cache) == []


@pytest.mark.redis
def test_an_unknown_filter_backend_is_refused(users, redis_cache):
    class Ordered(CachedUsers):
        filter_backends = [OrderingFilter]

    with pytest.raises(ImproperlyConfigured, match="OrderingFilter"):
        get("/u/", Ordered)


def test_a_per_process_cache_is_not_used(users, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    get("/u/?limit=2")
    with CaptureQueriesContext(connection) as captured:
        response = get("/u/?limit=2")
    assert captured.captured_queries and response["X-Total-Count"] == "5"


# --- base viewset declarations ------------------------------------------------------------------
class NothingToChange(DomainError):
    default_detail = "No fields to update provided"


class NameIn(serializers.Serializer):
    first_name = serializers.CharField(required=False)


class EditableUsers(CachedUsers):
    serializer_classes = {"partial_update": NameIn}
    no_fields_error = NothingToChange
    list_cache = None

    def perform_update(self, serializer):  # no service module here: the test needs only the check
        serializer.instance.first_name = serializer.validated_data["first_name"]
        serializer.instance.save(update_fields=["first_name"])
        return serializer.instance


def test_no_fields_error_answers_an_update_that_changes_nothing(users):
    view = EditableUsers.as_view({"patch": "partial_update"})
    empty = view(factory.patch(f"/u/{users[0].pk}", {"other": 1}, format="json"), pk=str(users[0].pk))
    assert (empty.status_code, empty.data) == (400, {"detail": "No fields to update provided"})
    ok = view(factory.patch(f"/u/{users[0].pk}", {"first_name": "A"}, format="json"), pk=str(users[0].pk))
    assert ok.status_code == 200


class BareUsers(CachedUsers):
    list_cache = None
    filters_need_params = True


def test_filters_need_params_skips_the_backends_for_a_bare_list(users, monkeypatch):
    built = []
    monkeypatch.setattr(
        DjangoFilterBackend,
        "filter_queryset",
        lambda self, request, queryset, view: built.append(1) or queryset,
    )
    get("/u/?limit=2&skip=0&format=json", BareUsers)
    assert built == []
    get("/u/?min_id=1", BareUsers)
    assert built == [1]


# --- planned serializers ------------------------------------------------------------------------
class Group(serializers.Serializer):
    name = serializers.CharField()
    note = serializers.CharField(allow_null=True)


class Member(serializers.Serializer):
    id = serializers.IntegerField()
    joined = serializers.DateTimeField(source="date_joined")
    active = serializers.BooleanField(source="is_active")
    staff = serializers.BooleanField(source="profile.staff", default=False)
    group = Group(allow_null=True)
    groups = Group(many=True, source="all_groups")


class PlannedGroup(PlannedSerializer):
    name = serializers.CharField()
    note = BlankAsNullCharField(allow_null=True)


class PlannedMember(PlannedSerializer):
    id = serializers.IntegerField()
    joined = serializers.DateTimeField(source="date_joined")
    active = serializers.BooleanField(source="is_active")
    staff = serializers.BooleanField(source="profile.staff", default=False)
    group = PlannedGroup(allow_null=True)
    groups = PlannedGroup(many=True, source="all_groups")


class Thing:
    def __init__(self, **kwargs):
        self.__dict__.update(kwargs)


def test_a_planned_serializer_answers_what_drf_answers(users):
    user = users[0]
    groups = [Thing(name="a", note="x"), Thing(name="b", note=None)]
    for group in (groups[0], None):
        user.group, user.all_groups = group, groups
        assert PlannedMember(user).data == Member(user).data
    for other in users[1:]:
        other.group, other.all_groups = None, groups[1:]
    assert PlannedMember(users, many=True).data == Member(users, many=True).data
    assert PlannedGroup(Thing(name="c", note="")).data == {"name": "c", "note": None}


def test_a_planned_serializer_refuses_a_method_field():
    class Computed(PlannedSerializer):
        value = serializers.SerializerMethodField()

        def get_value(self, obj):
            return 1

    with pytest.raises(ImproperlyConfigured, match="value"):
        Computed(Thing()).data  # noqa: B018
