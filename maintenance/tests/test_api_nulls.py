"""The specification's clients send null for optional fields (issue 17): accepted, and a category
without a description is answered as `"description": null` whatever it was made with."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from maintenance.models import Category, SparePart
from maintenance.tests.conftest import items_url
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db

CATEGORIES = "/api/v1/categories/"


def category_url(pk: int) -> str:
    return reverse("maintenance-category-detail", args=[pk])


@pytest.mark.parametrize("description", [None, "", "absent"])
def test_a_category_without_a_description_is_created_and_answered_with_null(supervisor_client, description):
    body = {"name": "Seals"} if description == "absent" else {"name": "Seals", "description": description}
    response = supervisor_client.post(CATEGORIES, body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["description"] is None
    assert Category.objects.get(name="Seals").description == ""  # stored as the model's blank
    pk = response.json()["id"]
    assert supervisor_client.get(category_url(pk)).json()["description"] is None
    assert [row["description"] for row in supervisor_client.get(CATEGORIES).json()] == [None]


def test_null_clears_a_description_on_update(supervisor_client):
    category = CategoryFactory(name="Seals", description="O-rings")
    for method in (supervisor_client.patch, supervisor_client.put):
        category.description = "O-rings"
        category.save()
        response = method(category_url(category.pk), {"description": None}, format="json")
        assert response.status_code == 200, response.content
        assert response.json()["description"] is None
        category.refresh_from_db()
        assert (category.name, category.description) == ("Seals", "")


def test_a_part_answers_its_categorys_missing_description_as_null(supervisor_client):
    category = CategoryFactory(name="Seals", description="")
    SparePartFactory(sku="SEA-NBR-10-2", category=category)
    [row] = supervisor_client.get(items_url()).json()
    assert row["category"]["description"] is None


def test_a_part_created_with_null_stock_and_category_gets_the_defaults(supervisor_client):
    body = {"name": "Nut", "sku": "NUT-STL-M8-0", "price": "1.00", "stock": None, "category_id": None}
    response = supervisor_client.post(items_url(), body, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["stock"], response.json()["category_id"], response.json()["category"]) == (
        0,
        None,
        None,
    )


def test_patch_null_leaves_a_part_field_as_is(supervisor_client):
    part = SparePartFactory(sku="BLT-STL-M8-50", price="2.00", stock=7)
    url = reverse("maintenance-item-detail", args=[part.sku])
    response = supervisor_client.patch(url, {"price": None, "stock": 3}, format="json")
    assert response.status_code == 200, response.content
    part.refresh_from_db()
    assert (part.price, part.stock) == (Decimal("2.00"), 3)
    only_nulls = supervisor_client.patch(url, {"price": None, "stock": None}, format="json")
    assert only_nulls.status_code == 400
    assert only_nulls.json() == {"detail": "No fields to update provided"}
    assert SparePart.objects.get(pk=part.pk).stock == 3


def test_a_required_field_still_refuses_null(supervisor_client):
    response = supervisor_client.post(CATEGORIES, {"name": None, "description": None}, format="json")
    assert response.status_code == 400
    assert "name" in response.json()
