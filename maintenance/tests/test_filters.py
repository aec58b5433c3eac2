"""Query parameters are checked by the project's strict filters (config.api.filters): anything a
column cannot hold, or that is not what the parameter means, is a 400 JSON answer, never silently
"no filter", a rounded value or a 500."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maintenance import services
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db

ITEMS = reverse("maintenance-item-list")
ORDERS = reverse("maintenance-order-list")
CATEGORIES = reverse("maintenance-category-list")
AUDIT = reverse("maintenance-audit-list")


def assert_400_on(response, field: str) -> None:
    """A 400 naming the parameter. A NUL in the query string may also be refused before the view
    (a platform-wide check): then the answer is a 400 object too, never a bare list."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert isinstance(body, dict), body
    if "%00" not in response.wsgi_request.META.get("QUERY_STRING", ""):
        assert field in body, body


@pytest.mark.parametrize("value", ["banana", "yes", "2", "tru", "\x00"])
def test_low_stock_must_be_a_boolean(supervisor_client, value):
    assert_400_on(supervisor_client.get(ITEMS, {"low_stock": value}), "low_stock")


def test_low_stock_true_and_false_still_filter(supervisor_client):
    low = SparePartFactory(sku="LOW-A-B-C", stock=1, min_stock=5)
    fine = SparePartFactory(sku="OKK-A-B-C", stock=9, min_stock=5)
    assert [p["id"] for p in supervisor_client.get(ITEMS, {"low_stock": "true"}).json()] == [low.pk]
    assert [p["id"] for p in supervisor_client.get(ITEMS, {"low_stock": "0"}).json()] == [fine.pk]


@pytest.mark.parametrize("value", ["1.5", "abc", "0", "-1", str(2**63), "1e3"])
def test_category_id_must_be_a_whole_positive_id(supervisor_client, value):
    category = CategoryFactory(pk=1)
    SparePartFactory(category=category)
    assert_400_on(supervisor_client.get(ITEMS, {"category_id": value}), "category_id")


def test_category_id_still_filters(supervisor_client):
    category = CategoryFactory()
    mine = SparePartFactory(category=category)
    SparePartFactory()
    assert [p["id"] for p in supervisor_client.get(ITEMS, {"category_id": category.pk}).json()] == [mine.pk]


@pytest.mark.parametrize("value", ["-1", "0", "1.5", "x", str(2**63)])
def test_order_request_id_must_be_a_positive_bigint(supervisor_client, value):
    assert_400_on(supervisor_client.get(ORDERS, {"request_id": value}), "request_id")


def test_order_request_id_still_filters(supervisor_client, part):
    order = services.order_create(
        request_id=77, items=[{"spare_part_id": part.pk, "quantity": 1}], actor=None
    ).order
    assert [o["id"] for o in supervisor_client.get(ORDERS, {"request_id": 77}).json()] == [order.pk]


@pytest.mark.parametrize("url", [ITEMS, CATEGORIES])
@pytest.mark.parametrize(
    "search", ["a b c d e f", "a\x00", "x" * 65, "a,b,c,d,e,f"], ids=["six", "nul", "long", "commas"]
)
def test_search_is_bounded_and_answers_a_field_error(supervisor_client, url, search):
    assert_400_on(supervisor_client.get(url, {"search": search}), "search")


def test_five_search_terms_are_fine(supervisor_client):
    CategoryFactory(name="alpha beta")
    part = SparePartFactory(name="alpha beta gamma delta", sku="EPS-A-B-C")
    assert [
        p["id"] for p in supervisor_client.get(ITEMS, {"search": "alpha beta gamma delta zeta"}).json()
    ] == []
    assert [
        p["id"] for p in supervisor_client.get(ITEMS, {"search": "alpha beta gamma delta EPS-A"}).json()
    ] == [part.pk]
    assert len(supervisor_client.get(CATEGORIES, {"search": "alpha beta"}).json()) == 1


@pytest.mark.parametrize(
    "value",
    [
        "2024-01-01T00:00:00+99:00",
        "2024-01-01T00:00:00+24:00",
        "0001-01-01T00:00:00+01:00",
        "9999-12-31T23:00:00-05:00",
        "yesterday",
    ],
)
@pytest.mark.parametrize("name", ["created_after", "created_before"])
def test_audit_time_range_outside_what_the_database_holds_is_400(supervisor_client, name, value):
    assert_400_on(supervisor_client.get(AUDIT, {name: value}), name)


@pytest.mark.parametrize("offset", ["+16:00", "-23:59"])
def test_audit_offsets_past_what_postgresql_takes_are_converted_to_utc(supervisor_client, supervisor, offset):
    """PostgreSQL refuses a displacement past ±15:59 (that was a 500): the filter sends UTC."""
    services.category_create(name="Bearings", actor=supervisor)
    response = supervisor_client.get(AUDIT, {"created_after": f"2000-01-01T00:00:00{offset}"})
    assert response.status_code == 200, response.content
    assert len(response.json()) == 1
    assert supervisor_client.get(AUDIT, {"created_before": f"2000-01-01T00:00:00{offset}"}).json() == []


def test_audit_time_range_with_an_offset_is_compared_in_utc(supervisor_client, supervisor):
    services.category_create(name="Bearings", actor=supervisor)
    assert len(supervisor_client.get(AUDIT, {"created_after": "2000-01-01T10:00:00+14:00"}).json()) == 1
    assert supervisor_client.get(AUDIT, {"created_before": "2000-01-01T10:00:00+14:00"}).json() == []


@pytest.mark.parametrize("value", ["-1", "1.5", str(2**63), "me"])
def test_audit_actor_must_be_a_user_id(supervisor_client, value):
    assert_400_on(supervisor_client.get(AUDIT, {"actor": value}), "actor")


def test_audit_entity_id_with_nul_is_400(supervisor_client):
    assert_400_on(supervisor_client.get(AUDIT, {"entity_id": "1\x00"}), "entity_id")


@pytest.mark.parametrize(
    ("view", "params", "field"),
    [
        ("items", {"search": "a\x00"}, "search"),
        ("categories", {"search": "a\x00"}, "search"),
        ("items", {"low_stock": "\x00"}, "low_stock"),
        ("audit", {"entity_id": "1\x00"}, "entity_id"),
    ],
)
def test_the_views_refuse_nul_themselves(supervisor, view, params, field):
    """Called without the middleware stack: the filters are strict on their own."""
    from rest_framework.test import APIRequestFactory, force_authenticate

    from maintenance.views import AuditLogViewSet, CategoryViewSet, SparePartViewSet

    viewset, url = {
        "items": (SparePartViewSet, ITEMS),
        "categories": (CategoryViewSet, CATEGORIES),
        "audit": (AuditLogViewSet, AUDIT),
    }[view]
    request = APIRequestFactory().get(url, params)
    force_authenticate(request, user=supervisor)
    response = viewset.as_view({"get": "list"})(request)
    assert response.status_code == 400
    assert field in response.data, response.data
