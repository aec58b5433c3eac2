"""Every line of the specification through APIClient."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from maintenance.models import Category, IdempotencyRecord, ServiceOrder, ServiceOrderItem, SparePart
from maintenance.tests.conftest import items_url, orders_url
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db


def category_url(pk) -> str:
    return reverse("maintenance-category-detail", args=[pk])


def item_url(sku: str) -> str:
    return reverse("maintenance-item-detail", kwargs={"sku": sku})


def order_url(pk) -> str:
    return reverse("maintenance-order-detail", args=[pk])


# --- categories -----------------------------------------------------------------------------------
def test_create_category_answers_the_documented_shape(supervisor_client):
    response = supervisor_client.post(
        "/api/v1/categories/", {"name": "Fasteners", "description": "Bolts"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "name", "description", "date_created", "date_updated"}
    assert (body["name"], body["description"]) == ("Fasteners", "Bolts")
    assert Category.objects.get(pk=body["id"]).name == "Fasteners"


def test_category_name_is_kept_verbatim_and_case_sensitive(supervisor_client):
    assert (
        supervisor_client.post("/api/v1/categories", {"name": "  Spaced  "}, format="json").json()["name"]
        == "  Spaced  "
    )
    assert (
        supervisor_client.post("/api/v1/categories", {"name": "fasteners"}, format="json").status_code == 201
    )
    assert (
        supervisor_client.post("/api/v1/categories", {"name": "Fasteners"}, format="json").status_code == 201
    )


def test_duplicate_category_is_400_naming_it(supervisor_client):
    CategoryFactory(name="Electrical")
    response = supervisor_client.post("/api/v1/categories/", {"name": "Electrical"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Category with name 'Electrical' already exists"}
    assert Category.objects.filter(name="Electrical").count() == 1


@pytest.mark.parametrize(
    "body",
    [{}, {"name": ""}, {"name": "x" * 101}, {"name": "ok", "description": "d" * 256}, {"name": None}],
)
def test_category_input_is_checked(supervisor_client, body):
    response = supervisor_client.post("/api/v1/categories/", body, format="json")
    assert response.status_code == 400
    assert Category.objects.count() == 0


def test_category_list_retrieve_update_delete(supervisor_client, auth_client, manager):
    category = CategoryFactory(name="Bearings")
    assert [c["name"] for c in supervisor_client.get("/api/v1/categories/").json()] == ["Bearings"]
    assert supervisor_client.get(category_url(category.pk)).json()["name"] == "Bearings"
    response = supervisor_client.put(category_url(category.pk), {"name": "Ball bearings"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Ball bearings"
    response = supervisor_client.patch(category_url(category.pk), {"description": "All sizes"}, format="json")
    assert response.json()["description"] == "All sizes"
    assert auth_client(manager).delete(category_url(category.pk)).status_code == 204
    assert not Category.objects.exists()


def test_category_rename_to_an_existing_name_is_400(supervisor_client):
    CategoryFactory(name="A")
    b = CategoryFactory(name="B")
    response = supervisor_client.patch(category_url(b.pk), {"name": "A"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Category with name 'A' already exists"}
    b.refresh_from_db()
    assert b.name == "B"


def test_unknown_or_malformed_category_is_404(supervisor_client):
    assert supervisor_client.get(category_url(999)).json() == {"detail": "Category with ID '999' not found"}
    assert supervisor_client.get("/api/v1/categories/abc").status_code == 404


def test_deleting_a_used_category_is_409_naming_how_many(auth_client, manager):
    category = CategoryFactory(name="Hydraulics")
    SparePartFactory(category=category)
    SparePartFactory(category=category)
    response = auth_client(manager).delete(category_url(category.pk))
    assert response.status_code == 409
    assert response.json()["detail"] == "Category 'Hydraulics' is used by 2 spare parts"
    assert response.json()["part_count"] == 2
    assert Category.objects.filter(pk=category.pk).exists()


# --- spare parts ----------------------------------------------------------------------------------
def test_create_part_answers_the_documented_shape(supervisor_client):
    category = CategoryFactory(name="Fasteners")
    body = {
        "name": "Hex bolt",
        "sku": "BLT-STL-M8-50",
        "price": "0.35",
        "stock": 5,
        "category_id": category.pk,
    }
    response = supervisor_client.post(items_url(), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {
        "id", "name", "sku", "price", "stock", "category_id", "category", "date_created", "date_updated",
    }  # fmt: skip
    assert (data["sku"], data["price"], data["stock"], data["category_id"]) == (
        "BLT-STL-M8-50", "0.35", 5, category.pk,
    )  # fmt: skip
    assert data["category"]["name"] == "Fasteners"


def test_part_stock_defaults_to_zero_and_category_to_null(supervisor_client):
    response = supervisor_client.post(
        items_url(), {"name": "Nut", "sku": "NUT-STL-M8-0", "price": 0}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["stock"], response.json()["category"]) == (0, None)


@pytest.mark.parametrize(
    ("sku", "message"),
    [
        (
            "BLT-STL-M8",
            "Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got 'BLT-STL-M8'",
        ),
        (
            "A-B-C-D-E",
            "Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got 'A-B-C-D-E'",
        ),
        ("BLT--M8-50", "All SKU components must be non-empty"),
        ("-STL-M8-50", "All SKU components must be non-empty"),
    ],
)
def test_sku_format_is_checked(supervisor_client, sku, message):
    response = supervisor_client.post(
        items_url(), {"name": "Bolt", "sku": sku, "price": "1.00"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": message}
    assert not SparePart.objects.exists()


def test_duplicate_sku_is_400(supervisor_client):
    SparePartFactory(sku="BLT-STL-M8-50")
    response = supervisor_client.post(
        items_url(), {"name": "Bolt", "sku": "BLT-STL-M8-50", "price": "1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Spare part with SKU 'BLT-STL-M8-50' already exists"}


def test_unknown_category_is_400(supervisor_client):
    body = {"name": "Bolt", "sku": "BLT-STL-M8-50", "price": "1", "category_id": 12345}
    response = supervisor_client.post(items_url(), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "Category with ID '12345' not found"}


@pytest.mark.parametrize(
    "changes",
    [
        {"price": "-1"},
        {"price": "1.234"},
        {"price": "abc"},
        {"stock": -1},
        {"stock": 1.5},
        {"name": ""},
        {"name": "x" * 151},
        {"sku": "S" * 51},
        {"category_id": "x"},
    ],
)
def test_part_input_is_checked(supervisor_client, changes):
    body = {"name": "Bolt", "sku": "BLT-STL-M8-50", "price": "1.00", **changes}
    assert supervisor_client.post(items_url(), body, format="json").status_code == 400
    assert not SparePart.objects.exists()


def test_parts_list_in_creation_order_with_category_and_paging(
    supervisor_client, django_assert_max_num_queries
):
    category = CategoryFactory()
    parts = [SparePartFactory(category=category if i % 2 else None) for i in range(15)]
    # Page, count, categories, and the read's permission check (the role's view permission).
    with django_assert_max_num_queries(4):
        response = supervisor_client.get(items_url())
    assert response.status_code == 200
    assert [p["id"] for p in response.json()] == [p.pk for p in parts[:10]]
    assert response["X-Total-Count"] == "15"
    assert response.json()[1]["category"]["id"] == category.pk
    response = supervisor_client.get(items_url(), {"skip": 10, "limit": 1000})
    assert [p["id"] for p in response.json()] == [p.pk for p in parts[10:]]
    assert supervisor_client.get(items_url(), {"limit": 1001}).status_code == 400
    assert supervisor_client.get(items_url(), {"skip": -1}).status_code == 400


def test_get_part_by_sku(supervisor_client, part):
    response = supervisor_client.get(item_url("BLT-STL-M8-50"))
    assert response.status_code == 200
    assert response.json()["id"] == part.pk
    response = supervisor_client.get(item_url("NOPE-X-Y-Z"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Spare part with SKU 'NOPE-X-Y-Z' not found"}


def test_patch_part_price_and_stock(supervisor_client, part):
    response = supervisor_client.patch(item_url(part.sku), {"price": "2.50", "stock": 7}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["price"], response.json()["stock"]) == ("2.50", 7)
    part.refresh_from_db()
    assert (part.price, part.stock) == (Decimal("2.50"), 7)


@pytest.mark.parametrize("body", [{}, {"name": "Renamed"}])
def test_patch_without_fields_is_400(supervisor_client, part, body):
    response = supervisor_client.patch(item_url(part.sku), body, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": "No fields to update provided"}


@pytest.mark.parametrize(
    "body",
    [{"price": "-0.01"}, {"stock": -5}, {"price": "x"}, {"stock": "many"}, {"price": "1.5", "stock": -1}],
)
def test_patch_with_a_bad_value_changes_nothing(supervisor_client, part, body):
    response = supervisor_client.patch(item_url(part.sku), body, format="json")
    assert response.status_code == 400
    part.refresh_from_db()
    assert (part.price, part.stock) == (Decimal("0.33"), 10)


def test_patch_unknown_sku_is_404(supervisor_client):
    response = supervisor_client.patch(item_url("A-B-C-D"), {"stock": 1}, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Spare part with SKU 'A-B-C-D' not found"}


def test_delete_part_needs_it_unused(auth_client, manager, order, part):
    client = auth_client(manager)
    response = client.delete(item_url(part.sku))
    assert response.status_code == 409
    assert response.json()["detail"] == "Spare part with SKU 'BLT-STL-M8-50' is used by 1 order line"
    free = SparePartFactory()
    assert client.delete(item_url(free.sku)).status_code == 204


# --- orders ---------------------------------------------------------------------------------------
def test_create_order_answers_the_documented_shape_and_takes_stock(operator_client, part):
    body = {"request_id": 42, "items": [{"spare_part_id": part.pk, "quantity": 3}]}
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert set(data) == {"id", "request_id", "status", "total", "items", "date_created", "date_updated"}
    assert (data["request_id"], data["status"], data["total"]) == (42, "pending", "0.99")
    [line] = data["items"]
    assert set(line) == {"id", "spare_part_id", "quantity", "unit_price", "spare_part"}
    assert (line["spare_part_id"], line["quantity"], line["unit_price"]) == (part.pk, 3, "0.33")
    assert (line["spare_part"]["sku"], line["spare_part"]["stock"]) == ("BLT-STL-M8-50", 7)
    part.refresh_from_db()
    assert part.stock == 7
    # The answer built from what the service wrote equals the order read back.
    assert operator_client.get(order_url(data["id"])).json() == data


def test_total_is_exact(operator_client):
    dime = SparePartFactory(price="0.10", stock=10000)
    body = {"request_id": 7, "items": [{"spare_part_id": dime.pk, "quantity": 5000}]}
    assert operator_client.post(orders_url(), body, format="json").json()["total"] == "500.00"


def test_unit_price_is_copied_at_order_time(operator_client, supervisor_client, part):
    body = {"request_id": 8, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    order_id = operator_client.post(orders_url(), body, format="json").json()["id"]
    supervisor_client.patch(item_url(part.sku), {"price": "9.99"}, format="json")
    data = operator_client.get(order_url(order_id)).json()
    assert (data["items"][0]["unit_price"], data["total"]) == ("0.33", "0.33")


def test_lines_for_the_same_part_stay_separate_and_stock_checks_their_sum(operator_client, part):
    body = {
        "request_id": 9,
        "items": [{"spare_part_id": part.pk, "quantity": 6}, {"spare_part_id": part.pk, "quantity": 5}],
    }
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Insufficient stock for 'Hex bolt' (SKU: BLT-STL-M8-50). Available: 10, Requested: 11"
    }
    body["items"][1]["quantity"] = 4
    data = operator_client.post(orders_url(), body, format="json").json()
    assert [line["quantity"] for line in data["items"]] == [6, 4]
    part.refresh_from_db()
    assert part.stock == 0


def test_unknown_parts_are_404_sorted_and_nothing_is_stored(operator_client, part):
    body = {
        "request_id": 10,
        "items": [
            {"spare_part_id": 999, "quantity": 1},
            {"spare_part_id": part.pk, "quantity": 1},
            {"spare_part_id": 77, "quantity": 1},
        ],
    }
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 404
    assert response.json() == {"detail": "Spare parts not found: [77, 999]"}
    part.refresh_from_db()
    assert part.stock == 10
    assert not ServiceOrder.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_any_short_line_refuses_the_whole_order(operator_client, part):
    other = SparePartFactory(stock=1)
    body = {
        "request_id": 11,
        "items": [{"spare_part_id": part.pk, "quantity": 2}, {"spare_part_id": other.pk, "quantity": 2}],
    }
    assert operator_client.post(orders_url(), body, format="json").status_code == 400
    part.refresh_from_db()
    other.refresh_from_db()
    assert (part.stock, other.stock) == (10, 1)
    assert not ServiceOrder.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"items": [{"spare_part_id": 1, "quantity": 1}]},
        {"request_id": 0, "items": [{"spare_part_id": 1, "quantity": 1}]},
        {"request_id": -3, "items": [{"spare_part_id": 1, "quantity": 1}]},
        {"request_id": 1, "items": []},
        {"request_id": 1},
        {"request_id": 1, "items": [{"spare_part_id": 1, "quantity": 0}]},
        {"request_id": 1, "items": [{"spare_part_id": 1, "quantity": -2}]},
        {"request_id": 1, "items": [{"spare_part_id": 1}]},
        {"request_id": 1, "items": "nope"},
        {"request_id": 2**63, "items": [{"spare_part_id": 1, "quantity": 1}]},
    ],
)
def test_order_input_is_checked(operator_client, body):
    assert operator_client.post(orders_url(), body, format="json").status_code == 400
    assert not ServiceOrder.objects.exists()


MAX_INT = 2**31 - 1


def test_an_order_whose_total_does_not_fit_the_column_is_400_and_changes_nothing(operator_client):
    """9,999,999,999.99 x 2,147,483,647 is past the `total` column (20 digits, 2 decimals): that was a
    500 from the database; the service computes the total in Decimal first."""
    dear = SparePartFactory(price="9999999999.99", stock=MAX_INT)
    body = {"request_id": 50, "items": [{"spare_part_id": dear.pk, "quantity": MAX_INT}]}
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 400, response.content
    assert response.json() == {
        "detail": "Order total 21474836469978525163.53 is larger than an order can hold "
        "(at most 999999999999999999.99)"
    }
    # Lines that fit one by one but not together.
    half = {"spare_part_id": dear.pk, "quantity": 60_000_000}
    response = operator_client.post(orders_url(), {"request_id": 51, "items": [half, half]}, format="json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("Order total 1199999999998800000.00 is larger")
    dear.refresh_from_db()
    assert dear.stock == MAX_INT
    assert not ServiceOrder.objects.exists()
    assert not IdempotencyRecord.objects.exists()
    # The largest total that fits is taken.
    body = {"request_id": 52, "items": [{"spare_part_id": dear.pk, "quantity": 100_000_000}]}
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["total"] == "999999999999000000.00"


@pytest.mark.parametrize("quantity", [MAX_INT + 1, 2**63])
def test_order_quantity_is_bounded_by_the_column(operator_client, part, quantity):
    body = {"request_id": 53, "items": [{"spare_part_id": part.pk, "quantity": quantity}]}
    response = operator_client.post(orders_url(), body, format="json")
    assert response.status_code == 400
    assert "items" in response.json()


@pytest.mark.parametrize("price", ["10000000000.00", "1.001", "-1"])
def test_part_price_is_bounded_by_the_column(supervisor_client, part, price):
    assert (
        supervisor_client.post(
            items_url(), {"name": "B", "sku": "A-B-C-D", "price": price}, format="json"
        ).status_code
        == 400
    )
    assert supervisor_client.patch(item_url(part.sku), {"price": price}, format="json").status_code == 400


def test_get_order_and_unknown_order(operator_client, order):
    assert operator_client.get(order_url(order.pk)).json()["id"] == order.pk
    response = operator_client.get(order_url(order.pk + 100))
    assert response.status_code == 404
    assert response.json() == {"detail": f"Service order with ID '{order.pk + 100}' not found"}
    assert operator_client.get("/api/v1/orders/abc").status_code == 404


# --- idempotency ----------------------------------------------------------------------------------
def test_repeat_within_the_window_returns_the_original_whatever_the_body(operator_client, part):
    first = operator_client.post(
        orders_url(), {"request_id": 5, "items": [{"spare_part_id": part.pk, "quantity": 2}]}, format="json"
    )
    assert first.status_code == 201
    other = SparePartFactory(stock=3)
    again = operator_client.post(
        orders_url(), {"request_id": 5, "items": [{"spare_part_id": other.pk, "quantity": 3}]}, format="json"
    )
    assert again.status_code == 200
    assert (again.json()["id"], again.json()["total"]) == (first.json()["id"], first.json()["total"])
    part.refresh_from_db()
    other.refresh_from_db()
    assert (part.stock, other.stock) == (8, 3)
    assert ServiceOrder.objects.count() == 1


def test_after_the_window_the_same_request_id_makes_a_new_order(operator_client, part, settings):
    settings.ORDER_IDEMPOTENCY_WINDOW = 100
    body = {"request_id": 5, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    first = operator_client.post(orders_url(), body, format="json").json()
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(seconds=101))
    second = operator_client.post(orders_url(), body, format="json")
    assert second.status_code == 201
    assert second.json()["id"] != first["id"]
    part.refresh_from_db()
    assert part.stock == 8
    assert IdempotencyRecord.objects.get().order_id == second.json()["id"]


def test_a_failed_request_stores_nothing_under_its_request_id(operator_client, part):
    short = {"request_id": 6, "items": [{"spare_part_id": part.pk, "quantity": 50}]}
    assert operator_client.post(orders_url(), short, format="json").status_code == 400
    missing = {"request_id": 6, "items": [{"spare_part_id": 9999, "quantity": 1}]}
    assert operator_client.post(orders_url(), missing, format="json").status_code == 404
    ok = {"request_id": 6, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    assert operator_client.post(orders_url(), ok, format="json").status_code == 201


def test_idempotency_key_header_replays_and_refuses_another_body(operator_client, part):
    body = {"request_id": 20, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    first = operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == 201
    again = operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
    changed = {"request_id": 21, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    response = operator_client.post(orders_url(), changed, format="json", HTTP_IDEMPOTENCY_KEY="abc-1")
    assert response.status_code == 422
    assert response.json() == {"detail": "Idempotency-Key was already used with a different request body"}
    part.refresh_from_db()
    assert part.stock == 9


def test_idempotency_key_is_scoped_to_the_caller(auth_client, part):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    one, two = auth_client(UserFactory(role=Role.OPERATOR)), auth_client(UserFactory(role=Role.OPERATOR))
    a = one.post(
        orders_url(),
        {"request_id": 30, "items": [{"spare_part_id": part.pk, "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    b = two.post(
        orders_url(),
        {"request_id": 31, "items": [{"spare_part_id": part.pk, "quantity": 1}]},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


def test_request_id_is_scoped_to_the_caller(auth_client, part):
    """B sending A's request_id gets B's own order, not A's; each replays only their own."""
    from config.roles import Role
    from staff.tests.factories import UserFactory

    alice, bob = UserFactory(role=Role.OPERATOR), UserFactory(role=Role.OPERATOR)
    a_client, b_client = auth_client(alice), auth_client(bob)
    a = a_client.post(
        orders_url(), {"request_id": 60, "items": [{"spare_part_id": part.pk, "quantity": 1}]}, format="json"
    )
    b = b_client.post(
        orders_url(), {"request_id": 60, "items": [{"spare_part_id": part.pk, "quantity": 2}]}, format="json"
    )
    assert (a.status_code, b.status_code) == (201, 201), b.content
    assert a.json()["id"] != b.json()["id"]
    assert b.json()["items"][0]["quantity"] == 2
    assert ServiceOrder.objects.get(pk=b.json()["id"]).created_by == bob
    again = b_client.post(
        orders_url(), {"request_id": 60, "items": [{"spare_part_id": part.pk, "quantity": 2}]}, format="json"
    )
    assert (again.status_code, again.json()["id"]) == (200, b.json()["id"])
    again = a_client.post(
        orders_url(), {"request_id": 60, "items": [{"spare_part_id": part.pk, "quantity": 1}]}, format="json"
    )
    assert (again.status_code, again.json()["id"]) == (200, a.json()["id"])
    part.refresh_from_db()
    assert part.stock == 10 - 1 - 2
    assert ServiceOrder.objects.count() == 2


def test_same_idempotency_key_and_request_id_from_two_callers_make_two_orders(auth_client, part):
    from config.roles import Role
    from staff.tests.factories import UserFactory

    body = {"request_id": 61, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    clients = [auth_client(UserFactory(role=Role.OPERATOR)) for _ in range(2)]
    answers = [c.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="shared") for c in clients]
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["id"] != answers[1].json()["id"]
    replay = clients[1].post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert (replay.status_code, replay.json()["id"]) == (200, answers[1].json()["id"])
    assert ServiceOrder.objects.count() == 2


def test_overlong_idempotency_key_is_400(operator_client, part):
    body = {"request_id": 40, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    assert (
        operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 256).status_code
        == 400
    )


@pytest.mark.parametrize("key", ["", "k" * 256])
def test_empty_or_overlong_idempotency_key_names_the_header_and_stores_nothing(operator_client, part, key):
    body = {"request_id": 41, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    response = operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 400
    assert response.json()["Idempotency-Key"] == ["Must be 1 to 255 characters."]
    assert not ServiceOrder.objects.exists()


def test_only_a_replay_is_marked_replayed(operator_client, part):
    """The platform's create-once answer (config.api.viewsets `idempotent_create`): a repeat by key
    or by request_id is marked, a new order is not."""
    body = {"request_id": 42, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
    first = operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="mark-1")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    by_key = operator_client.post(orders_url(), body, format="json", HTTP_IDEMPOTENCY_KEY="mark-1")
    by_request_id = operator_client.post(orders_url(), body, format="json")
    for again in (by_key, by_request_id):
        assert (again.status_code, again.json()) == (200, first.json())
        assert again["Idempotent-Replayed"] == "true"


# --- lifecycle ------------------------------------------------------------------------------------
def transition(client, order_id, status):
    return client.post(
        reverse("maintenance-order-transition", args=[order_id]), {"status": status}, format="json"
    )


def test_lifecycle_pending_in_progress_completed(supervisor_client, order):
    assert transition(supervisor_client, order.pk, "in_progress").json()["status"] == "in_progress"
    assert transition(supervisor_client, order.pk, "completed").json()["status"] == "completed"
    response = transition(supervisor_client, order.pk, "cancelled")
    assert response.status_code == 409
    assert response.json()["detail"] == "Cannot change order status from 'completed' to 'cancelled'"


@pytest.mark.parametrize("start", ["pending", "in_progress"])
def test_cancel_puts_the_stock_back(supervisor_client, order, part, start):
    if start == "in_progress":
        transition(supervisor_client, order.pk, "in_progress")
    part.refresh_from_db()
    assert part.stock == 8
    assert transition(supervisor_client, order.pk, "cancelled").json()["status"] == "cancelled"
    part.refresh_from_db()
    assert part.stock == 10
    assert transition(supervisor_client, order.pk, "cancelled").status_code == 409
    part.refresh_from_db()
    assert part.stock == 10


@pytest.mark.parametrize(
    ("steps", "target"), [([], "completed"), ([], "pending"), (["in_progress"], "in_progress")]
)
def test_invalid_transitions_are_409(supervisor_client, order, steps, target):
    for step in steps:
        transition(supervisor_client, order.pk, step)
    assert transition(supervisor_client, order.pk, target).status_code == 409


def test_transition_input_and_unknown_order(supervisor_client, order):
    assert transition(supervisor_client, order.pk, "shipped").status_code == 400
    response = transition(supervisor_client, 987654, "cancelled")
    assert response.status_code == 404
    assert response.json() == {"detail": "Service order with ID '987654' not found"}


def test_order_list_filters_by_status_and_pages(supervisor_client, part):
    from maintenance import services

    orders = [
        services.order_create(
            request_id=100 + i, items=[{"spare_part_id": part.pk, "quantity": 1}], actor=None
        ).order
        for i in range(3)
    ]
    services.order_transition(order=orders[0], status="in_progress", actor=None)
    response = supervisor_client.get(orders_url(), {"status": "pending"})
    assert sorted(o["id"] for o in response.json()) == sorted(o.pk for o in orders[1:])
    assert supervisor_client.get(orders_url(), {"status": "bogus"}).status_code == 400
    response = supervisor_client.get(orders_url(), {"limit": 1, "skip": 1})
    assert response["X-Total-Count"] == "3"
    assert len(response.json()) == 1


def test_delete_order_only_when_finished(auth_client, manager, supervisor_client, order):
    client = auth_client(manager)
    response = client.delete(order_url(order.pk))
    assert response.status_code == 409
    transition(supervisor_client, order.pk, "cancelled")
    assert client.delete(order_url(order.pk)).status_code == 204
    assert not ServiceOrder.objects.exists()
    assert not ServiceOrderItem.objects.exists()
