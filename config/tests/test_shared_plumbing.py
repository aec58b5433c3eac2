"""The shared plumbing in `config` (docs/architecture.md "Shared plumbing"): one of each, and the
rules every app now gets from it."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory, override_settings

from config.admin import GREY, ReadOnlyAdminMixin, StatusColourMixin
from config.api.pagination import page_total
from config.cache import answer_ttl, cache_is_shared
from config.durations import parse_age
from config.limits import MAX_BIGINT, IntegerParamError, integer_param, parse_id, parse_integer
from config.services import UNSET, model_apply, model_update, sent
from sensors.models import Unit


# --- parse_age: one grammar for every --older-than ----------------------------------------------
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("100", timedelta(seconds=100)),  # maintenance's bare number: seconds
        ("30m", timedelta(minutes=30)),
        ("24h", timedelta(hours=24)),
        (" 7d ", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),  # sensors' weeks
        ("12H", timedelta(hours=12)),
    ],
)
def test_parse_age_accepts_the_forms_both_commands_accepted(text, expected):
    assert parse_age(text) == expected


@pytest.mark.parametrize("text", ["", "0", "0d", "-1h", "24x", "1y", "soon", "1.5h", "²4h"])
def test_parse_age_refuses_the_rest(text):
    with pytest.raises(CommandError, match="--older-than"):
        parse_age(text)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("command", "args"),
    [("purge_idempotency_records", []), ("archive_sensor_data", ["--dry-run"])],
)
def test_both_commands_take_the_same_ages(command, args):
    for age in ("2w", "100"):  # each form used to be refused by one of the two
        call_command(command, "--older-than", age, *args, stdout=StringIO(), stderr=StringIO())


# --- integers a request carries -----------------------------------------------------------------
@pytest.mark.parametrize("raw", ["1_000", " 5", "\uff15", "²", "1e3", "", None, "9" * 25])
def test_parse_integer_takes_ascii_digits_only(raw):
    assert parse_integer(raw) is None


def test_parse_id_is_a_positive_bigint():
    assert parse_id("42") == 42
    assert parse_id(str(MAX_BIGINT)) == MAX_BIGINT
    for raw in ("0", "-1", "+1", str(MAX_BIGINT + 1), "0x1"):
        assert parse_id(raw) is None


def test_integer_param_one_error_shape():
    assert integer_param(None, name="limit", default=100, low=1, high=1000) == 100
    assert integer_param("7", name="limit", default=100, low=1, high=1000) == 7
    with pytest.raises(IntegerParamError) as bad:
        integer_param("1_000", name="limit", default=100, low=1, high=1000)
    assert (bad.value.name, bad.value.message) == ("limit", "A valid integer is required.")
    with pytest.raises(IntegerParamError, match=r"Must be between 1 and 1000\."):
        integer_param("1001", name="limit", default=100, low=1, high=1000)


@pytest.mark.django_db
def test_pagination_answers_the_parser_error_as_a_field_error(auth_client, superuser):
    response = auth_client(superuser).get("/api/sensor-data/", {"limit": "1_000"})
    assert response.status_code == 400
    assert response.json()["limit"] == ["A valid integer is required."]


# --- the short-page rule ------------------------------------------------------------------------
def test_page_total_counts_only_when_the_page_cannot_tell():
    def never() -> int:
        raise AssertionError("counted")

    assert page_total(offset=20, limit=10, page_len=3, count=never) == 23
    assert page_total(offset=0, limit=10, page_len=0, count=never) == 0
    assert page_total(offset=0, limit=10, page_len=10, count=lambda: 57) == 57
    assert page_total(offset=90, limit=10, page_len=0, count=lambda: 57) == 57


# --- UNSET and the partial update ---------------------------------------------------------------
def test_unset_is_one_sentinel_and_none_is_a_value():
    assert sent(a=1, b=None, c=UNSET) == {"a": 1, "b": None}
    assert repr(UNSET) == "UNSET"


@pytest.mark.django_db
def test_model_update_and_model_apply_share_one_diff():
    unit = Unit.objects.create(name="Hall", location="North", description="x")
    changes = model_apply(instance=unit, fields=["name", "location"], data={"name": "Hall", "location": "S"})
    assert changes == {"location": ["North", "S"]}
    unit, changed = model_update(instance=unit, fields=["description"], data={"description": None})
    unit.refresh_from_db()
    assert changed == ["description"] and unit.description is None


# --- one rule for answer caches -----------------------------------------------------------------
def test_answer_caches_are_off_on_a_per_process_cache(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert not cache_is_shared()
    assert answer_ttl(300) == 0


def test_answer_caches_use_their_ttl_on_a_shared_cache():
    shared = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://x"}}
    with override_settings(CACHES=shared):  # only read, never connected to
        assert cache_is_shared()
        assert answer_ttl(300) == 300
        assert answer_ttl(0) == 0


@pytest.mark.redis
def test_read_many_reads_several_generations_at_once_and_drops_stale_entries(redis_cache):
    from config import cache as shared

    first, second = shared.generation("test:gen:a"), shared.generation("test:gen:b")
    shared.write(first, {"test:a:1": "A"}, timeout=60)
    shared.write(second, {"test:b:1": "B"}, timeout=60)
    both = shared.read_many({"test:gen:a": ["test:a:1", "test:a:2"], "test:gen:b": ["test:b:1"]})
    assert both == {"test:gen:a": (first, {"test:a:1": "A"}), "test:gen:b": (second, {"test:b:1": "B"})}
    assert both["test:gen:a"] == shared.read("test:gen:a", ["test:a:1", "test:a:2"])
    shared.bump("test:gen:b")
    token, entries = shared.read_many({"test:gen:b": ["test:b:1"]})["test:gen:b"]
    assert token != second and entries == {}


# --- admin ---------------------------------------------------------------------------------------
def test_read_only_admin_mixin(superuser_request):
    class Logs(ReadOnlyAdminMixin, admin.ModelAdmin):
        pass

    class Orders(ReadOnlyAdminMixin, admin.ModelAdmin):
        read_only_can_delete = True

    logs, orders = Logs(Unit, admin.site), Orders(Unit, admin.site)
    assert not logs.has_add_permission(superuser_request)
    assert not logs.has_change_permission(superuser_request)
    assert not logs.has_delete_permission(superuser_request)
    assert not orders.has_change_permission(superuser_request)
    assert orders.has_delete_permission(superuser_request)


def test_status_colour_mixin_escapes_and_falls_back_to_grey():
    class Row:
        status = "odd"

        def get_status_display(self) -> str:
            return "<b>odd</b>"

    html = StatusColourMixin().coloured_status(Row())
    assert GREY in html and "&lt;b&gt;odd&lt;/b&gt;" in html


@pytest.fixture
def superuser_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request
