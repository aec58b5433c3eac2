"""Real threads against PostgreSQL: the database decides every race, nothing is lost or doubled."""

from __future__ import annotations

from collections import Counter

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from config.testing import run_threads
from maintenance.models import AuditLog, IdempotencyRecord, ServiceOrder, SparePart
from maintenance.tests.factories import SparePartFactory
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ORDERS = "/api/v1/orders/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ten_duplicate_first_requests_create_one_order_and_take_stock_once():
    user = UserFactory(is_superuser=True)
    part = SparePartFactory(stock=100, price="2.00")
    body = {"request_id": 777, "items": [{"spare_part_id": part.pk, "quantity": 3}]}

    def post(index: int):
        response = client_for(user).post(ORDERS, body, format="json")
        return response.status_code, response.json()

    results = run_threads(10, post)

    codes = Counter(code for code, _ in results)
    assert codes[201] == 1, codes
    assert set(codes) <= {200, 201, 409}, codes
    [order] = ServiceOrder.objects.all()
    for code, data in results:
        if code in (200, 201):
            assert (data["id"], data["total"]) == (order.pk, "6.00")
    part.refresh_from_db()
    assert part.stock == 97
    assert IdempotencyRecord.objects.count() == 1
    assert AuditLog.objects.filter(entity="service_order", action="create").count() == 1


def test_ten_duplicate_idempotency_keys_create_one_order():
    user = UserFactory(is_superuser=True)
    part = SparePartFactory(stock=100)

    def post(index: int):
        # Different request ids: only the header ties them together.
        body = {"request_id": 1000, "items": [{"spare_part_id": part.pk, "quantity": 1}]}
        response = client_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="same-key")
        return response.status_code

    codes = Counter(run_threads(10, post))
    assert codes[201] == 1 and set(codes) <= {200, 201, 409}, codes
    part.refresh_from_db()
    assert part.stock == 99
    assert ServiceOrder.objects.count() == 1


def test_one_key_from_two_callers_racing_makes_one_order_each():
    """Request ids and Idempotency-Keys are scoped to the caller: each caller's duplicates still
    collapse into one order (the unique constraint on (created_by, key) decides)."""
    users = [UserFactory(is_superuser=True), UserFactory(is_superuser=True)]
    part = SparePartFactory(stock=100)
    body = {"request_id": 4242, "items": [{"spare_part_id": part.pk, "quantity": 1}]}

    def post(index: int):
        user = users[index % 2]
        response = client_for(user).post(ORDERS, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        return user.pk, response.status_code, response.json().get("id")

    results = run_threads(10, post)

    orders = {order.created_by_id: order.pk for order in ServiceOrder.objects.all()}
    assert sorted(orders) == sorted(u.pk for u in users), results
    for user_id, code, order_id in results:
        assert code in (200, 201, 409), results
        if code in (200, 201):
            assert order_id == orders[user_id]
    assert Counter(code for _, code, _ in results)[201] == 2
    part.refresh_from_db()
    assert part.stock == 98


def test_orders_that_together_exceed_stock_never_take_it_below_zero():
    user = UserFactory(is_superuser=True)
    bolts = SparePartFactory(stock=10)
    nuts = SparePartFactory(stock=50)
    workers, quantity = 12, 3

    def post(index: int):
        # Half the orders list the parts the other way round: locking in id order prevents deadlock.
        lines = [{"spare_part_id": bolts.pk, "quantity": quantity}, {"spare_part_id": nuts.pk, "quantity": 1}]
        if index % 2:
            lines.reverse()
        response = client_for(user).post(ORDERS, {"request_id": 5000 + index, "items": lines}, format="json")
        return response.status_code, response.json()

    results = run_threads(workers, post)

    codes = Counter(code for code, _ in results)
    assert set(codes) <= {201, 400}, codes
    successes = codes[201]
    assert successes == 10 // quantity
    for code, data in results:
        if code == 400:
            assert data["detail"].startswith("Insufficient stock for")
    bolts.refresh_from_db()
    nuts.refresh_from_db()
    assert bolts.stock == 10 - quantity * successes
    assert nuts.stock == 50 - successes
    assert ServiceOrder.objects.count() == successes


def test_two_cancels_put_the_stock_back_once():
    user = UserFactory(is_superuser=True)
    part = SparePartFactory(stock=10)
    order = (
        client_for(user)
        .post(ORDERS, {"request_id": 1, "items": [{"spare_part_id": part.pk, "quantity": 4}]}, format="json")
        .json()
    )
    url = reverse("maintenance-order-transition", args=[order["id"]])

    def cancel(index: int) -> int:
        return client_for(user).post(url, {"status": "cancelled"}, format="json").status_code

    assert sorted(run_threads(2, cancel)) == [200, 409]
    part.refresh_from_db()
    assert part.stock == 10
    assert ServiceOrder.objects.get().status == "cancelled"


def test_two_creates_of_one_sku_one_wins_the_other_is_400():
    user = UserFactory(is_superuser=True)
    body = {"name": "Bolt", "sku": "BLT-STL-M8-50", "price": "1.00"}

    def create(index: int):
        response = client_for(user).post("/api/v1/items/", body, format="json")
        return response.status_code, response.json()

    results = run_threads(6, create)
    codes = Counter(code for code, _ in results)
    assert codes == {201: 1, 400: 5}, results
    for code, data in results:
        if code == 400:
            assert data == {"detail": "Spare part with SKU 'BLT-STL-M8-50' already exists"}
    assert SparePart.objects.count() == 1
