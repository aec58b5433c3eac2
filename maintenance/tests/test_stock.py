"""The order -> stock rule at the service level (services.stock): `stock_take` for an order's lines,
`stock_return` on cancel; racing orders never oversell and a cancel returns exactly what it took."""

from __future__ import annotations

from collections import Counter

import pytest
from django.db import transaction
from django.utils import timezone

from config.testing import run_threads
from maintenance import services
from maintenance.choices import AuditEntity, OrderStatus
from maintenance.exceptions import InsufficientStock, InvalidTransition, SparePartsNotFound
from maintenance.models import AuditLog, ServiceOrder, ServiceOrderItem, SparePart
from maintenance.services import stock as stock_module
from maintenance.tests.factories import SparePartFactory


def stock(*parts: SparePart) -> list[int]:
    return list(
        SparePart.objects.filter(pk__in=[p.pk for p in parts]).order_by("id").values_list("stock", flat=True)
    )


@pytest.fixture(params=["native", "per-part"])
def take_path(request, monkeypatch) -> str:
    """Each take test twice: as the database runs it (one statement on PostgreSQL) and as SQLite,
    the embedded default, runs it (one conditional UPDATE per part)."""
    if request.param == "per-part":
        monkeypatch.setattr(stock_module, "_take_many", stock_module._take_each)
    return request.param


def live_quantities() -> Counter[int]:
    """Units each part lends to orders that are not cancelled (what the stock must be missing)."""
    taken: Counter[int] = Counter()
    for part_id, quantity in ServiceOrderItem.objects.exclude(
        order__status=OrderStatus.CANCELLED
    ).values_list("spare_part_id", "quantity"):
        taken[part_id] += quantity
    return taken


@pytest.mark.django_db
def test_stock_take_moves_parts_in_id_order_and_returns_audit_rows(take_path):
    a, b = SparePartFactory(stock=5), SparePartFactory(stock=7)
    with transaction.atomic():
        moves = services.stock_take(order_id=1, quantities={b.pk: 2, a.pk: 5}, actor=None, at=timezone.now())
    assert moves.stock == {a.pk: 0, b.pk: 5}
    assert list(moves.stock) == [a.pk, b.pk]
    assert [row.changes for row in moves.audit] == [
        {"stock": [5, 0], "order": [None, 1]},
        {"stock": [7, 5], "order": [None, 1]},
    ]
    assert stock(a, b) == [0, 5]


@pytest.mark.django_db
def test_stock_take_refuses_a_short_part_and_the_transaction_undoes_the_rest(take_path):
    a, b = SparePartFactory(stock=5), SparePartFactory(name="Nut", sku="N-U-T-1", stock=1)
    with pytest.raises(InsufficientStock) as caught, transaction.atomic():
        services.stock_take(order_id=1, quantities={a.pk: 3, b.pk: 2}, actor=None, at=timezone.now())
    assert "N-U-T-1" in str(caught.value.detail)
    assert stock(a, b) == [5, 1]


@pytest.mark.django_db
def test_stock_take_of_a_missing_part_is_not_found(take_path):
    with pytest.raises(SparePartsNotFound), transaction.atomic():
        services.stock_take(order_id=1, quantities={987654: 1}, actor=None, at=timezone.now())


@pytest.mark.django_db(transaction=True)
def test_stock_moves_refuse_to_run_outside_a_transaction():
    """A test's own transaction would hide the guard, so this one runs without it."""
    part = SparePartFactory(stock=5)
    with pytest.raises(RuntimeError):
        services.stock_take(order_id=1, quantities={part.pk: 1}, actor=None, at=timezone.now())
    with pytest.raises(RuntimeError):
        services.stock_return(order_id=1, actor=None, at=timezone.now())
    assert stock(part) == [5]


@pytest.mark.django_db
def test_stock_return_puts_back_every_line_of_the_order():
    a, b = SparePartFactory(stock=10), SparePartFactory(stock=10)
    order = services.order_create(
        request_id=1,
        items=[
            {"spare_part_id": a.pk, "quantity": 2},
            {"spare_part_id": b.pk, "quantity": 3},
            {"spare_part_id": a.pk, "quantity": 1},
        ],
        actor=None,
    ).order
    assert stock(a, b) == [7, 7]
    with transaction.atomic():
        moves = services.stock_return(order_id=order.pk, actor=None, at=timezone.now())
    assert moves.stock == {a.pk: 10, b.pk: 10}
    assert [row.changes["stock"] for row in moves.audit] == [[7, 10], [7, 10]]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_orders_and_cancels_never_oversell_and_return_exactly():
    """16 orders race for three parts (half list them the other way round) and every third is
    cancelled as soon as it exists; then the live ones are cancelled by two threads each."""
    bolts, nuts, washers = SparePartFactory(stock=12), SparePartFactory(stock=9), SparePartFactory(stock=30)
    initial = {p.pk: p.stock for p in (bolts, nuts, washers)}
    workers = 16

    def order(index: int) -> int | None:
        lines = [(bolts.pk, 2), (nuts.pk, 1 + index % 2), (washers.pk, 3)]
        if index % 2:
            lines.reverse()
        try:
            created = services.order_create(
                request_id=10_000 + index,
                items=[{"spare_part_id": pid, "quantity": q} for pid, q in lines],
                actor=None,
            ).order
        except InsufficientStock:
            return None
        if index % 3 == 0:
            services.order_transition(order=created, status=OrderStatus.CANCELLED, actor=None)
        return created.pk

    made = [pk for pk in run_threads(workers, order) if pk is not None]

    # Bolts: 2 per order from 12, plus at most 6 cancels giving 2 back each: at most 12 orders.
    assert 0 < len(made) <= 12
    assert ServiceOrder.objects.count() == len(made)
    taken = live_quantities()
    for part in SparePart.objects.filter(pk__in=initial):
        assert part.stock == initial[part.pk] - taken[part.pk] >= 0
    # Every move the audit recorded kept the stock at zero or above, and they add up.
    moves = AuditLog.objects.filter(entity=AuditEntity.SPARE_PART, changes__has_key="order")
    delta: Counter[int] = Counter()
    for row in moves:
        before, after = row.changes["stock"]
        assert before >= 0 and after >= 0
        delta[int(row.entity_id)] += after - before
    assert {pid: initial[pid] + delta[pid] for pid in initial} == dict(stock_by_id(initial))

    live = list(ServiceOrder.objects.exclude(status=OrderStatus.CANCELLED).values_list("pk", flat=True))

    def cancel(index: int) -> str:
        try:
            services.order_transition(
                order=ServiceOrder(pk=live[index // 2]), status=OrderStatus.CANCELLED, actor=None
            )
        except InvalidTransition:
            return "refused"
        return "cancelled"

    if live:
        outcomes = run_threads(2 * len(live), cancel)
        assert Counter(outcomes) == {"cancelled": len(live), "refused": len(live)}
    assert dict(stock_by_id(initial)) == initial


def stock_by_id(initial: dict[int, int]) -> list[tuple[int, int]]:
    return list(SparePart.objects.filter(pk__in=initial).values_list("pk", "stock"))
