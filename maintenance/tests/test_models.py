"""The database holds the invariants even where a service is bypassed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from maintenance import services
from maintenance.models import (
    AuditLog,
    Category,
    IdempotencyRecord,
    ServiceOrder,
    ServiceOrderItem,
    SparePart,
)
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db


def test_sku_is_unique_and_indexed():
    SparePartFactory(sku="A-B-C-D")
    with pytest.raises(IntegrityError), transaction.atomic():
        SparePartFactory(sku="A-B-C-D")
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, SparePart._meta.db_table)
    # Both databases back a UNIQUE constraint with an index, which the SKU lookups use.
    assert [c for c in constraints.values() if c["columns"] == ["sku"] and c["unique"]]


def test_stock_can_never_go_below_zero_in_the_database():
    part = SparePartFactory(stock=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        SparePart.objects.filter(pk=part.pk).update(stock=F("stock") - 3)
    part.refresh_from_db()
    assert part.stock == 2


def test_category_names_are_unique_and_case_sensitive():
    CategoryFactory(name="Fasteners")
    CategoryFactory(name="fasteners")
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="Fasteners")


def test_idempotency_keys_are_unique():
    order = ServiceOrder.objects.create(request_id=1, total=0)
    IdempotencyRecord.objects.create(
        key="request:1", kind="request_id", order=order, created_at=timezone.now()
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        IdempotencyRecord.objects.create(
            key="request:1", kind="request_id", order=order, created_at=timezone.now()
        )


@pytest.mark.parametrize(
    "make",
    [
        lambda part, order: ServiceOrderItem.objects.create(
            order=order, spare_part=part, quantity=0, unit_price=1
        ),
        lambda part, order: ServiceOrder.objects.create(request_id=0, total=0),
        lambda part, order: ServiceOrder.objects.create(request_id=2, total=0, status="shipped"),
        lambda part, order: SparePart.objects.create(name="x", sku="X-Y-Z-W", price=-1),
    ],
)
def test_check_constraints(make):
    part = SparePartFactory()
    order = ServiceOrder.objects.create(request_id=1, total=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        make(part, order)


def test_a_part_on_an_order_line_cannot_be_deleted(order, part):
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        part.delete()


def test_str():
    category = CategoryFactory(name="Bearings")
    part = SparePartFactory(name="Bolt", sku="A-B-C-D", category=category)
    assert (str(category), str(part)) == ("Bearings", "Bolt (A-B-C-D)")


def test_str_of_orders_lines_and_audit_rows(order):
    line = order.items.get()
    audit = AuditLog.objects.filter(entity="service_order", entity_id=str(order.pk)).get()
    assert str(order) == f"Order #{order.pk} (pending)"
    assert str(line) == f"Line {line.pk}"
    assert str(audit) == f"create service_order {order.pk}"


def test_default_orderings():
    """Categories by name, parts in creation order, orders and audit rows newest first."""
    for name in ("pumps", "bearings", "valves"):
        CategoryFactory(name=name)
    assert [c.name for c in Category.objects.all()] == ["bearings", "pumps", "valves"]
    parts = [SparePartFactory() for _ in range(3)]
    assert list(SparePart.objects.all()) == parts
    now = timezone.now()
    older, newer = (
        services.order_create(
            request_id=request_id, items=[{"spare_part_id": parts[0].pk, "quantity": 1}], actor=None
        ).order
        for request_id in (501, 502)
    )
    ServiceOrder.objects.filter(pk=older.pk).update(created_at=now - timedelta(minutes=5))
    ServiceOrder.objects.filter(pk=newer.pk).update(created_at=now)
    assert list(ServiceOrder.objects.all()) == [newer, older]
    assert AuditLog._meta.ordering == ["-created_at", "-id"]
