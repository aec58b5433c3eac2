"""Service orders: created exactly once per caller's key, taking stock (services.stock); moved along
their lifecycle, a cancel returning the stock once; deleted once finished.

- an order is created once per caller's idempotency key because its `IdempotencyRecord` row is
  inserted in the order's own transaction and the unique constraint on (creator, key) refuses a
  second one (a concurrent duplicate waits on that insert until the first commits, then replays
  its order);
- a status change is a conditional `UPDATE ... WHERE status = <the status it was read in>`, so of two
  cancels exactly one matches and the stock goes back once.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from typing import Any

from django.db import IntegrityError, models, transaction
from django.utils import timezone

from config import metrics
from config.services import Actor, actor_id
from maintenance import selectors
from maintenance.choices import ALLOWED_FROM, AuditAction, AuditEntity, OrderStatus
from maintenance.exceptions import (
    InsufficientStock,
    InvalidOrderLine,
    InvalidOrderStatus,
    InvalidTransition,
    OrderInFlight,
    OrderNotDeletable,
    OrderTotalTooLarge,
    ServiceOrderNotFound,
    SparePartsNotFound,
)
from maintenance.models import IdempotencyRecord, ServiceOrder, ServiceOrderItem
from maintenance.services.audit import audit_row, audit_write, created, deleted, snapshot
from maintenance.services.idempotency import (
    Keys,
    drop_expired,
    fingerprint,
    idempotency_keys,
    replayed_order_id,
)
from maintenance.services.images import IMAGE_FIELDS, delete_files
from maintenance.services.stock import stock_return, stock_take

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
ORDER_FIELDS = ("request_id", "status", "total")
MAX_QUANTITY = 2**31 - 1  # ServiceOrderItem.quantity is an integer column


def _column_max(model: type[models.Model], field: str) -> Decimal:
    """The largest value a DecimalField column holds (99...9.99)."""
    column = model._meta.get_field(field)
    return Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal(10) ** -column.decimal_places


MAX_ORDER_TOTAL = _column_max(ServiceOrder, "total")


@dataclass(frozen=True)
class OrderCreation:
    """The order and whether this call created it (False: an idempotent replay of an earlier one)."""

    order: ServiceOrder
    created: bool

    @property
    def instance(self) -> ServiceOrder:
        """The order under the name the platform's create-once answer reads (CreateOutcome)."""
        return self.order

    @property
    def replayed(self) -> bool:
        """True for a repeat answered with an earlier request's order."""
        return not self.created


def order_create(
    *,
    request_id: int,
    items: Sequence[Mapping[str, int]],
    actor: Actor,
    idempotency_key: str | None = None,
) -> OrderCreation:
    """Create an order and take its parts out of stock, exactly once per caller's `request_id`
    (within ORDER_IDEMPOTENCY_WINDOW) and per caller's `idempotency_key`: another caller's same key
    is another order.

    A repeat within the window returns the original order whatever its body (`created=False`); a
    header key repeated with another body is a 422. Unknown parts (404) and short stock (400) store
    nothing, not even the idempotency record.

    The happy path reads no idempotency record: the INSERT of the record decides (a unique
    violation means a repeat), and only a refused order looks one up, to replay instead.
    """
    lines = [(int(item["spare_part_id"]), int(item["quantity"])) for item in items]
    if any(not 0 < quantity <= MAX_QUANTITY for _, quantity in lines):
        raise InvalidOrderLine(MAX_QUANTITY)
    digest = fingerprint(request_id, lines)
    keys = idempotency_keys(request_id, idempotency_key)
    owner_id = actor_id(actor)
    for _attempt in range(3):
        try:
            order = _order_create_once(
                request_id=request_id, lines=lines, keys=keys, digest=digest, actor=actor
            )
        except IntegrityError:
            # One of our keys is taken: a concurrent duplicate committed first (our INSERT waited
            # for it, so this read sees its record), or an expired record is in the way.
            replayed = _replay(keys, digest, owner_id)
            if replayed is not None:
                return replayed
            drop_expired(keys, owner_id)
            continue
        except (SparePartsNotFound, InsufficientStock) as exc:
            # A repeat replays whatever its body, even one that could not be ordered now.
            replayed = _replay(keys, digest, owner_id)
            if replayed is not None:
                return replayed
            metrics.ORDERS.labels(
                "stock_refused" if isinstance(exc, InsufficientStock) else "parts_missing"
            ).inc()
            raise
        logger.debug(
            "order %s created for request_id=%s by actor=%s", order.pk, request_id, order.created_by_id
        )
        metrics.ORDERS.labels("created").inc()
        return OrderCreation(order=order, created=True)
    raise OrderInFlight()


def _replay(keys: Keys, digest: str, owner_id: Any) -> OrderCreation | None:
    order_id = replayed_order_id(keys, digest, owner_id)
    if order_id is None:
        return None
    order = selectors.order_find(order_id=order_id)
    return OrderCreation(order=order, created=False) if order is not None else None


def _order_create_once(
    *, request_id: int, lines: list[tuple[int, int]], keys: Keys, digest: str, actor: Actor
) -> ServiceOrder:
    wanted: Counter[int] = Counter()
    for part_id, quantity in lines:
        wanted[part_id] += quantity
    # Read without locks: names for the messages, prices to copy, a cheap early refusal. The
    # conditional UPDATEs of stock_take decide; a price read here is the price at order time.
    parts = selectors.sparepart_by_ids(sparepart_ids=list(wanted))
    missing = set(wanted) - set(parts)
    if missing:
        raise SparePartsNotFound(sorted(missing))
    for part_id in sorted(wanted):
        part = parts[part_id]
        if part.stock < wanted[part_id]:
            raise InsufficientStock(
                name=part.name, sku=part.sku, available=part.stock, requested=wanted[part_id]
            )
    total = _order_total((parts[pid].price, quantity) for pid, quantity in lines)
    with transaction.atomic():
        now = timezone.now()
        order = ServiceOrder.objects.create(
            request_id=request_id, total=total, status=OrderStatus.PENDING, created_by_id=actor_id(actor)
        )
        # The claim: a second order with one of these keys fails here (IntegrityError) and rolls back.
        # A concurrent duplicate waits on this INSERT until the first commits, so it never takes stock.
        IdempotencyRecord.objects.bulk_create(
            [
                IdempotencyRecord(
                    key=key,
                    kind=kind,
                    fingerprint=digest,
                    order=order,
                    created_by_id=order.created_by_id,
                    created_at=now,
                )
                for key, kind, _ in keys
            ]
        )
        order_items = ServiceOrderItem.objects.bulk_create(
            [
                ServiceOrderItem(order=order, spare_part=parts[pid], quantity=q, unit_price=parts[pid].price)
                for pid, q in lines
            ]
        )
        audit = [
            audit_row(
                actor=actor,
                action=AuditAction.CREATE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes={
                    **created(snapshot(order, ORDER_FIELDS)),
                    "items": [None, [[pid, q, str(parts[pid].price)] for pid, q in lines]],
                },
                at=now,
                object_repr=str(order),
            )
        ]
        # Stock last: the row locks are taken as late and held as briefly as possible.
        moves = stock_take(order_id=order.pk, quantities=wanted, actor=actor, at=now)
        for part_id, left in moves.stock.items():
            parts[part_id].stock, parts[part_id].updated_at = left, now
        audit_write(audit + moves.audit)
    # The answer is built from what this call wrote: no re-read needed.
    order.lines = order_items
    return order


def _order_total(lines: Iterable[tuple[Decimal, int]]) -> Decimal:
    """The exact total (enough precision for any number of column-sized lines); one the `total`
    column cannot hold is refused here, before anything is written (the database would 500)."""
    with localcontext() as context:
        context.prec = 60
        total = sum((price * quantity for price, quantity in lines), Decimal("0")).quantize(CENT)
    if total > MAX_ORDER_TOTAL:
        raise OrderTotalTooLarge(total, MAX_ORDER_TOTAL)
    return total


def _current_status(order_id: int) -> str:
    status = selectors.order_status(order_id=order_id)
    if status is None:
        raise ServiceOrderNotFound.for_id(order_id)
    return status


def order_transition(*, order: ServiceOrder, status: str, actor: Actor) -> ServiceOrder:
    """Move an order along pending → in_progress → completed, or to cancelled from pending or
    in_progress; cancelling puts its parts back in stock, once even when two cancels race."""
    if status not in OrderStatus.values:
        raise InvalidOrderStatus(status)
    current = _current_status(order.pk)
    if current not in ALLOWED_FROM.get(status, ()):
        raise InvalidTransition(current, status)
    with transaction.atomic():
        now = timezone.now()
        # Matching on the status we read: of two concurrent changes only one finds it.
        matched = ServiceOrder.objects.filter(pk=order.pk, status=current).update(
            status=status, updated_at=now
        )
        if not matched:
            raise InvalidTransition(_current_status(order.pk), status)
        audit = [
            audit_row(
                actor=actor,
                action=AuditAction.UPDATE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes={"status": [current, status]},
                at=now,
                object_repr=str(order),
            )
        ]
        if status == OrderStatus.CANCELLED:
            audit += stock_return(order_id=order.pk, actor=actor, at=now).audit
        audit_write(audit)
    return selectors.order_get(order_id=order.pk)


def order_delete(*, order: ServiceOrder, actor: Actor) -> None:
    """Delete a completed or cancelled order with its lines and images (a live one holds stock:
    cancel it first, so the stock goes back)."""
    with transaction.atomic():
        current = ServiceOrder.objects.select_for_update().filter(pk=order.pk).first()
        if current is None:
            raise ServiceOrderNotFound.for_id(order.pk)
        images = list(selectors.order_images(order_id=order.pk))
        values = snapshot(current, ORDER_FIELDS)
        removed, _ = ServiceOrder.objects.filter(
            pk=order.pk, status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED]
        ).delete()
        if not removed:
            raise OrderNotDeletable(_current_status(order.pk))
        now = timezone.now()
        audit = [
            audit_row(
                actor=actor,
                action=AuditAction.DELETE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes=deleted(values),
                at=now,
                object_repr=str(current),
            )
        ]
        audit += [
            audit_row(
                actor=actor,
                action=AuditAction.DELETE,
                entity=AuditEntity.SERVICE_ORDER_IMAGE,
                entity_id=image.pk,
                changes=deleted(snapshot(image, IMAGE_FIELDS)),
                at=now,
                object_repr=str(image),
            )
            for image in images
        ]
        audit_write(audit)
        names = [image.file.name for image in images]
        transaction.on_commit(lambda: delete_files(names))
