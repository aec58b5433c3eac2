"""Service functions called directly (the API, admin and commands all go through them)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from maintenance import selectors, services
from maintenance.exceptions import EmptySkuComponent, InvalidSku, OrderNotDeletable, SparePartNotFound
from maintenance.models import IdempotencyRecord, ServiceOrder
from maintenance.tests.conftest import JPEG, PNG, WEBP
from maintenance.tests.factories import SparePartFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (JPEG, ("image/jpeg", "jpg")),
        (PNG, ("image/png", "png")),
        (WEBP, ("image/webp", "webp")),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"GIF89a", None),
        (b"", None),
        (b"\x89PNG", None),
    ],
)
def test_image_sniff(head, expected):
    assert services.image_sniff(head=head[:16]) == expected


@pytest.mark.parametrize("sku", ["A-B-C-D", "BLT-STL-M8-50", "x-y-z-0"])
def test_valid_skus(sku):
    assert services.sparepart_check_sku(sku=sku) == sku


@pytest.mark.parametrize(
    ("sku", "error"), [("A-B-C", InvalidSku), ("", InvalidSku), ("A-B- -D", EmptySkuComponent)]
)
def test_invalid_skus(sku, error):
    with pytest.raises(error):
        services.sparepart_check_sku(sku=sku)


def test_update_of_a_deleted_part_is_404():
    part = SparePartFactory()
    part.delete()
    with pytest.raises(SparePartNotFound):
        services.sparepart_update(sparepart=part, stock=1, actor=None)


def test_only_finished_orders_can_be_deleted(order):
    with pytest.raises(OrderNotDeletable):
        services.order_delete(order=order, actor=None)
    services.order_transition(order=order, status="in_progress", actor=None)
    services.order_transition(order=order, status="completed", actor=None)
    services.order_delete(order=order, actor=None)
    assert not ServiceOrder.objects.exists()
    assert not IdempotencyRecord.objects.exists()


def test_idempotency_purge(order):
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=2))
    assert services.idempotency_purge(older_than=timedelta(hours=3)) == 0
    assert services.idempotency_purge(older_than=timedelta(hours=1)) == 1


def test_low_stock_is_ordered_most_short_first():
    SparePartFactory(sku="A-A-A-A", stock=9, min_stock=10)
    SparePartFactory(sku="B-B-B-B", stock=0, min_stock=50)
    SparePartFactory(sku="C-C-C-C", stock=10, min_stock=10)
    assert [p.sku for p in selectors.sparepart_low_stock()] == ["B-B-B-B", "A-A-A-A"]


@pytest.mark.parametrize("quantity", [0, -1, 2**31])
def test_order_quantity_is_bounded_in_the_service_too(quantity):
    """The admin and commands call the service without the API's serializer."""
    from maintenance.exceptions import InvalidOrderLine

    part = SparePartFactory(stock=10)
    with pytest.raises(InvalidOrderLine):
        services.order_create(
            request_id=1, items=[{"spare_part_id": part.pk, "quantity": quantity}], actor=None
        )
    part.refresh_from_db()
    assert part.stock == 10
    assert not ServiceOrder.objects.exists()


def test_a_stock_update_from_a_stale_read_is_refused():
    from maintenance.exceptions import StaleStock

    part = SparePartFactory(stock=320)
    services.order_create(request_id=1, items=[{"spare_part_id": part.pk, "quantity": 5}], actor=None)
    with pytest.raises(StaleStock) as caught:
        services.sparepart_update(sparepart=part, stock=330, expected_stock=320, actor=None)
    assert caught.value.extra == {"current_stock": 315}
    part.refresh_from_db()
    assert part.stock == 315
    services.sparepart_update(sparepart=part, stock=330, expected_stock=315, actor=None)
    part.refresh_from_db()
    assert part.stock == 330
