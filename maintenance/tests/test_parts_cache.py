"""The parts list cache (shared cache only): pages are served from Redis until a committed change
to a part, its stock or a category bumps the version."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maintenance import services
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

URL = "/api/v1/items/"


@pytest.fixture(autouse=True)
def _on_redis_cache(redis_cache):
    """Every test here runs on the real shared cache."""


def test_a_cached_page_needs_no_query_and_keeps_the_headers(supervisor_client, django_assert_num_queries):
    for _ in range(12):
        SparePartFactory()
    first = supervisor_client.get(URL, {"limit": 5})
    with django_assert_num_queries(0):
        again = supervisor_client.get(URL, {"limit": 5})
    assert again.content == first.content
    assert (again["X-Total-Count"], again["Link"]) == (first["X-Total-Count"], first["Link"])
    assert again["Content-Type"] == "application/json"


def test_every_committed_change_is_seen(supervisor_client, django_capture_on_commit_callbacks, supervisor):
    category = CategoryFactory(name="Bearings")
    part = SparePartFactory(stock=10, category=category)
    assert supervisor_client.get(URL).json()[0]["stock"] == 10
    with django_capture_on_commit_callbacks(execute=True):
        supervisor_client.patch(
            reverse("maintenance-item-detail", kwargs={"sku": part.sku}), {"stock": 7}, format="json"
        )
    assert supervisor_client.get(URL).json()[0]["stock"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        order = services.order_create(
            request_id=1, items=[{"spare_part_id": part.pk, "quantity": 2}], actor=supervisor
        ).order
    assert supervisor_client.get(URL).json()[0]["stock"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        services.order_transition(order=order, status="cancelled", actor=supervisor)
    assert supervisor_client.get(URL).json()[0]["stock"] == 7
    with django_capture_on_commit_callbacks(execute=True):
        services.category_update(category=category, name="Roller bearings", actor=supervisor)
    assert supervisor_client.get(URL).json()[0]["category"]["name"] == "Roller bearings"
    with django_capture_on_commit_callbacks(execute=True):
        services.sparepart_create(name="New", sku="NEW-A-B-C", price="1", actor=supervisor)
    assert supervisor_client.get(URL)["X-Total-Count"] == "2"


def test_a_refused_change_does_not_invalidate(supervisor_client, django_capture_on_commit_callbacks):
    part = SparePartFactory(stock=1)
    supervisor_client.get(URL)
    generation = services.parts_cache_generation()
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(Exception, match="Insufficient"),
    ):
        services.order_create(request_id=1, items=[{"spare_part_id": part.pk, "quantity": 5}], actor=None)
    assert not callbacks
    assert services.parts_cache_generation() == generation


def test_the_browsable_api_is_not_cached(supervisor_client):
    SparePartFactory()
    response = supervisor_client.get(URL, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert b"Spare Part List" in response.content


def page_keys(cache) -> list[str]:
    return [key for key in cache.keys("maintenance:parts:*") if key != services.PARTS_GENERATION_KEY]


def test_unknown_parameters_share_one_cache_entry(supervisor_client, redis_cache):
    """Keys come from what changes the answer (paging, filters, search), normalised; a junk
    parameter, a leading zero or a repeated search term is not a new entry."""
    for _ in range(3):
        SparePartFactory()
    first = supervisor_client.get(URL, {"limit": 2})
    assert len(page_keys(redis_cache)) == 1
    for params in (
        {"limit": 2, "junk": 1},
        {"limit": 2, "junk": 2},
        {"limit": "02", "skip": "0"},
        {"limit": 2, "format": "json"},
    ):
        again = supervisor_client.get(URL, params)
        assert again.content == first.content, params
    assert len(page_keys(redis_cache)) == 1
    supervisor_client.get(URL, {"limit": 2, "search": "Part"})
    supervisor_client.get(URL, {"limit": 2, "search": "Part Part", "other": "x"})
    supervisor_client.get(URL, {"limit": 2, "low_stock": "false"})
    supervisor_client.get(URL, {"limit": 2, "low_stock": "0"})
    assert len(page_keys(redis_cache)) == 3


def test_a_cached_page_links_to_the_requests_own_url(supervisor_client):
    for _ in range(5):
        SparePartFactory()
    supervisor_client.get(URL, {"limit": 2, "junk": "first"})
    response = supervisor_client.get(URL, {"limit": 2, "junk": "second"})
    assert response["X-Total-Count"] == "5"
    assert "junk=second" in response["Link"] and "junk=first" not in response["Link"]
    assert 'rel="next"' in response["Link"]


def test_bad_filters_are_400_before_the_cache(supervisor_client, redis_cache):
    SparePartFactory()
    for params in ({"category_id": "1.5"}, {"low_stock": "banana"}, {"search": "a\x00"}, {"limit": "x"}):
        response = supervisor_client.get(URL, params)
        assert response.status_code == 400 and isinstance(response.json(), dict), params
    assert page_keys(redis_cache) == []
