"""The order -> stock rule, in one place: `stock_take` takes an order's parts out of stock and
`stock_return` puts a cancelled order's parts back.

Each move is a conditional `UPDATE ... SET stock = stock + delta WHERE id = ... AND stock >= -delta
RETURNING stock` (behind `CheckConstraint(stock >= 0)`), so stock never goes negative whatever
races it; a take moves all of an order's parts in one such statement. Rows are locked in id order,
so two orders (or an order and a cancel) lock their rows in the same order and can't deadlock.
Both run inside the caller's transaction: the locks are held, and the moves kept or undone, with
the order's own rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from config.services import Actor
from maintenance import selectors
from maintenance.choices import AuditAction, AuditEntity
from maintenance.exceptions import InsufficientStock, SparePartsNotFound
from maintenance.models import AuditLog, SparePart
from maintenance.services.audit import audit_row
from maintenance.services.parts_cache import parts_changed


@dataclass(frozen=True)
class StockMoves:
    """What a take or a return did: each moved part's stock afterwards, and the audit rows
    (unsaved, so the caller writes them with its own in one INSERT, in its transaction)."""

    stock: dict[int, int]
    audit: list[AuditLog]


def _move(part_id: int, delta: int, at: datetime) -> int | None:
    """`UPDATE ... SET stock = stock + delta WHERE id = ... AND stock >= -delta RETURNING stock`: the
    stock afterwards, or None when taking would go below zero (or the part is gone). The row stays
    locked until the transaction ends.

    Raw SQL only for RETURNING (the ORM's update() returns a row count): the audit row needs the
    exact stock this UPDATE produced, without a second statement.
    """
    table = connection.ops.quote_name(SparePart._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock = stock + %s, updated_at = %s "  # noqa: S608 (names from _meta)
            "WHERE id = %s AND stock >= %s RETURNING stock",
            [delta, connection.ops.adapt_datetimefield_value(at), part_id, max(0, -delta)],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def _take_many(quantities: Mapping[int, int], at: datetime) -> dict[int, int]:
    """Every part's conditional take in one statement: part id -> stock afterwards, for the parts
    that had enough (a short or missing part is absent). The CTE locks the rows in id order before
    the UPDATE touches any, so concurrent orders still lock in the same order and cannot deadlock.
    Off PostgreSQL, `_take_each`."""
    if connection.vendor != "postgresql":
        return _take_each(quantities, at)
    table = connection.ops.quote_name(SparePart._meta.db_table)
    ids = sorted(quantities)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH wanted(id, quantity) AS (SELECT * FROM unnest(%s::bigint[], %s::integer[])), "  # noqa: S608
            f"locked AS (SELECT p.id FROM {table} p JOIN wanted w ON w.id = p.id "
            "ORDER BY p.id FOR UPDATE OF p) "
            f"UPDATE {table} p SET stock = p.stock - w.quantity, updated_at = %s FROM wanted w, locked l "
            "WHERE p.id = w.id AND l.id = p.id AND p.stock >= w.quantity RETURNING p.id, p.stock",
            [ids, [quantities[part_id] for part_id in ids], connection.ops.adapt_datetimefield_value(at)],
        )
        return dict(cursor.fetchall())


def _take_each(quantities: Mapping[int, int], at: datetime) -> dict[int, int]:
    """`_take_many` as one conditional UPDATE per part, in id order, up to the first part that is
    short: the statement SQLite (the embedded default, which serialises writers) can run."""
    taken: dict[int, int] = {}
    for part_id in sorted(quantities):
        left = _move(part_id, -quantities[part_id], at)
        if left is None:
            break
        taken[part_id] = left
    return taken


def _require_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("stock moves run inside the transaction of the order they belong to")


def stock_take(*, order_id: int, quantities: Mapping[int, int], actor: Actor, at: datetime) -> StockMoves:
    """Take `quantities` (part id -> units) out of stock for order `order_id`, parts in id order;
    a part that is short (or gone) raises InsufficientStock (or SparePartsNotFound) and the caller's
    transaction undoes the moves already made."""
    _require_transaction()
    taken = _take_many(quantities, at)
    stock: dict[int, int] = {}
    audit = []
    for part_id in sorted(quantities):
        quantity = quantities[part_id]
        left = taken.get(part_id)
        if left is None:
            _raise_short(part_id, quantity)
        stock[part_id] = left
        audit.append(_stock_audit(part_id, left + quantity, left, [None, order_id], actor, at))
    parts_changed()
    return StockMoves(stock=stock, audit=audit)


def stock_return(*, order_id: int, actor: Actor, at: datetime) -> StockMoves:
    """Put every line of order `order_id` back in stock, parts in id order (the caller has just
    won the order's move to cancelled, so this runs once per order)."""
    _require_transaction()
    returned: Counter[int] = Counter()
    for part_id, quantity in selectors.order_line_quantities(order_id=order_id):
        returned[part_id] += quantity
    stock: dict[int, int] = {}
    audit = []
    for part_id in sorted(returned):
        quantity = returned[part_id]
        after = _move(part_id, quantity, at)
        if after is None:  # the part is gone (lines PROTECT it, so only a concurrent raw delete)
            continue
        stock[part_id] = after
        audit.append(_stock_audit(part_id, after - quantity, after, [order_id, None], actor, at))
    parts_changed()
    return StockMoves(stock=stock, audit=audit)


def _raise_short(part_id: int, quantity: int) -> None:
    row = selectors.sparepart_stock(sparepart_id=part_id)
    if row is None:
        raise SparePartsNotFound([part_id])
    name, sku, stock = row
    raise InsufficientStock(name=name, sku=sku, available=stock, requested=quantity)


def _stock_audit(part_id: int, before: int, after: int, order: list, actor: Actor, at: datetime) -> AuditLog:
    """The unsaved audit row of one stock move: the part's stock before and after, and the order."""
    return audit_row(
        actor=actor,
        action=AuditAction.UPDATE,
        entity=AuditEntity.SPARE_PART,
        entity_id=part_id,
        changes={"stock": [before, after], "order": order},
        at=at,
    )
