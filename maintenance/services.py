"""Business rules of the maintenance app: every write to categories, parts, orders and images.

Concurrency is decided by the database, never by a read-modify-write in Python:
- an order takes stock with one conditional `UPDATE ... SET stock = stock - q WHERE id = ... AND
  stock >= q` per part, parts locked in id order (two orders can't deadlock), behind
  `CheckConstraint(stock >= 0)`;
- an order is created once per caller's idempotency key because its `IdempotencyRecord` row is
  inserted in the order's own transaction and the unique constraint on (creator, key) refuses a
  second one (a concurrent duplicate waits on that insert until the first commits, then replays
  its order);
- a status change is a conditional `UPDATE ... WHERE status = <the status it was read in>`, so of two
  cancels exactly one matches and the stock goes back once.
Audit rows are written in the same transaction as the change they describe.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, localcontext
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F
from django.utils import timezone

from config import cache as shared_cache
from config.services import Actor, actor_id
from maintenance.choices import ALLOWED_FROM, AuditAction, AuditEntity, IdempotencyKind, OrderStatus
from maintenance.exceptions import (
    CategoryInUse,
    CategoryNotFound,
    DuplicateCategory,
    DuplicateSku,
    EmptySkuComponent,
    IdempotencyKeyReused,
    ImageTooLarge,
    ImageUploadFailed,
    InsufficientStock,
    InvalidImageType,
    InvalidOrderLine,
    InvalidOrderStatus,
    InvalidSku,
    InvalidTransition,
    OrderInFlight,
    OrderNotDeletable,
    OrderTotalTooLarge,
    ServiceOrderNotFound,
    SparePartInUse,
    SparePartNotFound,
    SparePartsNotFound,
    StaleStock,
    UnknownCategory,
)
from maintenance.models import (
    AuditLog,
    Category,
    IdempotencyRecord,
    ServiceOrder,
    ServiceOrderImage,
    ServiceOrderItem,
    SparePart,
)

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
CATEGORY_FIELDS = ("name", "description")
PART_FIELDS = ("name", "sku", "price", "stock", "min_stock", "category_id")
ORDER_FIELDS = ("request_id", "status", "total")
IMAGE_FIELDS = ("order_id", "file", "file_name", "content_type", "size")
MAX_QUANTITY = 2**31 - 1  # ServiceOrderItem.quantity is an integer column


def _column_max(model: type[models.Model], field: str) -> Decimal:
    """The largest value a DecimalField column holds (99...9.99)."""
    column = model._meta.get_field(field)
    return Decimal(10) ** (column.max_digits - column.decimal_places) - Decimal(10) ** -column.decimal_places


MAX_ORDER_TOTAL = _column_max(ServiceOrder, "total")


class _Unset:
    """Marks a keyword the caller did not pass (None is a value: "no category")."""

    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- audit ----------------------------------------------------------------------------------------
def _value(instance: models.Model, field: str) -> Any:
    value = getattr(instance, field)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name
    return value


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return {field: _value(instance, field) for field in fields}


def _audit_row(
    *, actor: Actor, action: str, entity: str, entity_id: Any, changes: Mapping[str, Any], at=None
) -> AuditLog:
    return AuditLog(
        actor_id=actor_id(actor),
        action=action,
        entity=entity,
        entity_id=str(entity_id),
        changes=dict(changes),
        created_at=at or timezone.now(),
    )


def audit_record(
    *, actor: Actor, action: str, entity: str, entity_id: Any, changes: Mapping[str, Any]
) -> AuditLog:
    """Write one audit row; call it inside the transaction of the change it describes."""
    row = _audit_row(actor=actor, action=action, entity=entity, entity_id=entity_id, changes=changes)
    row.save()
    return row


def _created(snapshot: Mapping[str, Any]) -> dict[str, list]:
    return {field: [None, value] for field, value in snapshot.items()}


def _deleted(snapshot: Mapping[str, Any]) -> dict[str, list]:
    return {field: [value, None] for field, value in snapshot.items()}


def _apply(instance: models.Model, data: Mapping[str, Any]) -> dict[str, list]:
    """Set the fields of `data` that differ, validate the fields (constraints are the database's),
    and return `{field: [old, new]}` of what changed."""
    changes = {}
    for field, new in data.items():
        old = _value(instance, field)
        if old != new:
            setattr(instance, field, new)
            changes[field] = [old, new]
    if changes:
        instance.full_clean(validate_unique=False, validate_constraints=False)
    return changes


# --- parts list cache -----------------------------------------------------------------------------
PARTS_VERSION_KEY = "maintenance:parts:version"


def parts_cache_enabled() -> bool:
    """The parts list is cached only in a cache every process shares (Redis): a per-process
    local-memory cache would miss another worker's invalidation."""
    return "LocMemCache" not in settings.CACHES["default"]["BACKEND"]


def parts_cache_version() -> str:
    """The current generation of the parts list; cached pages are keyed by it."""
    return shared_cache.generation(PARTS_VERSION_KEY)


def _parts_changed() -> None:
    """Invalidate cached parts pages once the change is committed (a reader that raced it cached
    under the old version, which nobody asks for any more)."""
    shared_cache.bump_on_commit(PARTS_VERSION_KEY)


# --- categories -----------------------------------------------------------------------------------
def category_create(*, name: str, description: str = "", actor: Actor) -> Category:
    """Create a category; a duplicate name (also when two creates race) is a 400 naming it."""
    category = Category(name=name, description=description or "")
    category.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            category.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                entity=AuditEntity.CATEGORY,
                entity_id=category.pk,
                changes=_created(_snapshot(category, CATEGORY_FIELDS)),
            )
    except IntegrityError:
        # The unique index decided: another category has this name (perhaps created a moment ago).
        raise DuplicateCategory(name) from None
    return category


def category_update(
    *, category: Category, actor: Actor, name: str | None = None, description: str | None = None
) -> Category:
    """Change a category's name and/or description (None: leave as is)."""
    data = {k: v for k, v in (("name", name), ("description", description)) if v is not None}
    try:
        return _update_audited(
            category,
            data,
            actor=actor,
            entity=AuditEntity.CATEGORY,
            not_found=lambda: CategoryNotFound.for_id(category.pk),
        )
    except IntegrityError:
        raise DuplicateCategory(name or "") from None


def _update_audited(
    instance: models.Model,
    data: Mapping[str, Any],
    *,
    actor: Actor,
    entity: str,
    not_found: Callable[[], Exception],
    expected: Mapping[str, Any] | None = None,
    stale: Callable[[models.Model], Exception] | None = None,
) -> models.Model:
    """Apply `data` to the row re-read under lock and audit old -> new, in one transaction; a
    change that would break a unique constraint raises IntegrityError for the caller to name.

    With `expected` (field -> the value the caller read), a row whose value has moved since is
    refused with `stale(current)`; the write is then `UPDATE ... WHERE field = <read value>`, so the
    check holds where the row lock does not (SQLite).
    """
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=instance.pk).first()
        if current is None:
            raise not_found()
        if expected and any(_value(current, field) != value for field, value in expected.items()):
            raise stale(current)
        changes = _apply(current, data)
        if changes and expected:
            current.updated_at = timezone.now()
            values = {field: getattr(current, field) for field in changes}
            if not model.objects.filter(pk=current.pk, **expected).update(
                **values, updated_at=current.updated_at
            ):
                raise stale(model.objects.get(pk=current.pk))
        elif changes:
            current.save(update_fields=[*changes, "updated_at"])
        if changes:
            audit_record(
                actor=actor, action=AuditAction.UPDATE, entity=entity, entity_id=current.pk, changes=changes
            )
            _parts_changed()
    return current


def _delete_audited(
    instance: models.Model,
    *,
    actor: Actor,
    fields: Iterable[str],
    entity: str,
    references: models.QuerySet,
    in_use: Callable[[models.Model, int], Exception],
    not_found: Callable[[], Exception],
) -> None:
    """Delete a category or part that nothing references, with its audit row, in one transaction.

    The row is re-read under lock, so the audit records what was deleted, not the caller's stale
    copy; a reference added meanwhile makes the PROTECT foreign key refuse the delete (409).
    """
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().filter(pk=instance.pk).first()
        if current is None:
            raise not_found()
        count = references.count()
        if count:
            raise in_use(current, count)
        snapshot = _snapshot(current, fields)
        deleted, _ = model.objects.filter(pk=instance.pk).delete()
        if not deleted:
            raise not_found()
        audit_record(
            actor=actor,
            action=AuditAction.DELETE,
            entity=entity,
            entity_id=instance.pk,
            changes=_deleted(snapshot),
        )
        _parts_changed()


def category_delete(*, category: Category, actor: Actor) -> None:
    """Delete a category no part uses; one that parts use is a 409 saying how many."""
    _delete_audited(
        category,
        actor=actor,
        fields=CATEGORY_FIELDS,
        entity=AuditEntity.CATEGORY,
        references=SparePart.objects.filter(category_id=category.pk),
        in_use=lambda current, count: CategoryInUse(current.name, count),
        not_found=lambda: CategoryNotFound.for_id(category.pk),
    )


# --- spare parts ----------------------------------------------------------------------------------
def sparepart_validate_sku(*, sku: str) -> str:
    """`[CLASS]-[MATERIAL]-[SIZE]-[LENGTH]`: exactly four dash-separated, non-empty components."""
    components = sku.split("-")
    if len(components) != 4:
        raise InvalidSku(sku)
    if any(not component.strip() for component in components):
        raise EmptySkuComponent()
    return sku


def _check_category(category_id: int | None) -> None:
    if category_id is not None and not Category.objects.filter(pk=category_id).exists():
        raise UnknownCategory(category_id)


def sparepart_create(
    *,
    name: str,
    sku: str,
    price: Decimal,
    stock: int = 0,
    min_stock: int = 0,
    category_id: int | None = None,
    actor: Actor,
) -> SparePart:
    """Create a part; the unique SKU index decides duplicates, also between racing creates."""
    sparepart_validate_sku(sku=sku)
    _check_category(category_id)
    part = SparePart(
        name=name, sku=sku, price=price, stock=stock, min_stock=min_stock, category_id=category_id
    )
    part.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            part.save()
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                entity=AuditEntity.SPARE_PART,
                entity_id=part.pk,
                changes=_created(_snapshot(part, PART_FIELDS)),
            )
            _parts_changed()
    except IntegrityError:
        if SparePart.objects.filter(sku=sku).exists():
            raise DuplicateSku(sku) from None
        raise
    return part


def sparepart_update(
    *,
    sparepart: SparePart,
    actor: Actor,
    price: Decimal | None = None,
    stock: int | None = None,
    name: str | None = None,
    sku: str | None = None,
    min_stock: int | None = None,
    category_id: int | None = UNSET,
    expected_stock: int | None = None,
) -> SparePart:
    """Change a part (None / not passed: leave as is). The row is locked and re-read first, so the
    audit's old values are the ones this change replaced (stock may have moved since the caller read).

    `expected_stock` is the stock the editor read (the admin sends it): a stock change over a stock
    that moved since (an order, a cancel) is refused with StaleStock (409) instead of undoing it."""
    data = {
        k: v
        for k, v in (
            ("name", name),
            ("sku", sku),
            ("price", price),
            ("stock", stock),
            ("min_stock", min_stock),
        )
        if v is not None
    }
    if category_id is not UNSET:
        data["category_id"] = category_id
    if "sku" in data:
        sparepart_validate_sku(sku=data["sku"])
    if data.get("category_id") is not None:
        _check_category(data["category_id"])
    try:
        return _update_audited(
            sparepart,
            data,
            actor=actor,
            entity=AuditEntity.SPARE_PART,
            not_found=lambda: SparePartNotFound.for_sku(sparepart.sku),
            expected={"stock": expected_stock} if expected_stock is not None and "stock" in data else None,
            stale=lambda current: StaleStock(current, expected_stock, current.stock),
        )
    except IntegrityError:
        if "sku" in data and SparePart.objects.filter(sku=data["sku"]).exclude(pk=sparepart.pk).exists():
            raise DuplicateSku(data["sku"]) from None
        raise


def sparepart_delete(*, sparepart: SparePart, actor: Actor) -> None:
    """Delete a part no order line names (order lines keep their history); else 409."""
    _delete_audited(
        sparepart,
        actor=actor,
        fields=PART_FIELDS,
        entity=AuditEntity.SPARE_PART,
        references=ServiceOrderItem.objects.filter(spare_part_id=sparepart.pk),
        in_use=lambda current, count: SparePartInUse(current.sku, count),
        not_found=lambda: SparePartNotFound.for_sku(sparepart.sku),
    )


# --- orders ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OrderCreation:
    """The order and whether this call created it (False: an idempotent replay of an earlier one)."""

    order: ServiceOrder
    created: bool


def _fingerprint(request_id: int, lines: Sequence[tuple[int, int]]) -> str:
    canonical = json.dumps({"request_id": request_id, "items": [list(line) for line in lines]})
    return hashlib.sha256(canonical.encode()).hexdigest()


def _idempotency_keys(request_id: int, idempotency_key: str | None) -> list[tuple[str, str, timedelta]]:
    """(key, kind, window) of every record this order claims (each scoped to its caller)."""
    keys = [
        (
            f"request:{request_id}",
            IdempotencyKind.REQUEST_ID,
            timedelta(seconds=settings.ORDER_IDEMPOTENCY_WINDOW),
        )
    ]
    if idempotency_key:
        keys.append(
            (
                f"header:{idempotency_key}",
                IdempotencyKind.HEADER,
                timedelta(seconds=settings.ORDER_IDEMPOTENCY_KEY_WINDOW),
            )
        )
    return keys


def _replayed_order_id(keys: list[tuple[str, str, timedelta]], fingerprint: str, owner_id: Any) -> int | None:
    """The order a fresh record of one of the caller's `keys` names; a header key reused with another
    body is a 422."""
    now = timezone.now()
    windows = {key: window for key, _, window in keys}
    fresh = {
        record.kind: record
        # created_by_id=None is `IS NULL`: calls without a user share one scope.
        for record in IdempotencyRecord.objects.filter(created_by_id=owner_id, key__in=windows).only(
            "key", "kind", "fingerprint", "order_id", "created_at"
        )
        if record.created_at >= now - windows[record.key]
    }
    header = fresh.get(IdempotencyKind.HEADER)
    if header is not None:
        if header.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        return header.order_id
    request = fresh.get(IdempotencyKind.REQUEST_ID)
    return request.order_id if request is not None else None


def _drop_expired(keys: list[tuple[str, str, timedelta]], owner_id: Any) -> int:
    """Delete the caller's records of `keys` whose window is over, so the key can name a new order.

    Conditional on the age, so a record a concurrent request has just (re)created stays.
    """
    now = timezone.now()
    dropped = 0
    for key, _, window in keys:
        dropped += IdempotencyRecord.objects.filter(
            created_by_id=owner_id, key=key, created_at__lt=now - window
        ).delete()[0]
    return dropped


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
    fingerprint = _fingerprint(request_id, lines)
    keys = _idempotency_keys(request_id, idempotency_key)
    owner_id = actor_id(actor)
    for _attempt in range(3):
        try:
            order = _order_create_once(
                request_id=request_id, lines=lines, keys=keys, fingerprint=fingerprint, actor=actor
            )
        except IntegrityError:
            # One of our keys is taken: a concurrent duplicate committed first (our INSERT waited
            # for it, so this read sees its record), or an expired record is in the way.
            replayed = _replay(keys, fingerprint, owner_id)
            if replayed is not None:
                return replayed
            _drop_expired(keys, owner_id)
            continue
        except (SparePartsNotFound, InsufficientStock):
            # A repeat replays whatever its body, even one that could not be ordered now.
            replayed = _replay(keys, fingerprint, owner_id)
            if replayed is not None:
                return replayed
            raise
        logger.debug(
            "order %s created for request_id=%s by actor=%s", order.pk, request_id, order.created_by_id
        )
        return OrderCreation(order=order, created=True)
    raise OrderInFlight()


def _replay(keys: list[tuple[str, str, timedelta]], fingerprint: str, owner_id: Any) -> OrderCreation | None:
    order_id = _replayed_order_id(keys, fingerprint, owner_id)
    if order_id is None:
        return None
    order = ServiceOrder.objects.filter(pk=order_id).first()
    return OrderCreation(order=order, created=False) if order is not None else None


def _move_stock(part_id: int, delta: int, at) -> int | None:
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


def _order_create_once(
    *,
    request_id: int,
    lines: list[tuple[int, int]],
    keys: list[tuple[str, str, timedelta]],
    fingerprint: str,
    actor: Actor,
) -> ServiceOrder:
    wanted: Counter[int] = Counter()
    for part_id, quantity in lines:
        wanted[part_id] += quantity
    # Read without locks: names for the messages, prices to copy, a cheap early refusal. The
    # conditional UPDATEs below decide; a price read here is the price at order time.
    parts = {
        part.pk: part for part in SparePart.objects.select_related("category").filter(pk__in=list(wanted))
    }
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
                    fingerprint=fingerprint,
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
            _audit_row(
                actor=actor,
                action=AuditAction.CREATE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes={
                    **_created(_snapshot(order, ORDER_FIELDS)),
                    "items": [None, [[pid, q, str(parts[pid].price)] for pid, q in lines]],
                },
                at=now,
            )
        ]
        # Stock last, parts in id order: the row locks are taken as late and held as briefly as
        # possible, and always in the same order, so two orders can't deadlock.
        for part_id in sorted(wanted):
            quantity = wanted[part_id]
            left = _move_stock(part_id, -quantity, now)
            if left is None:
                _raise_short(part_id, quantity)
            parts[part_id].stock, parts[part_id].updated_at = left, now
            audit.append(
                _audit_row(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    entity=AuditEntity.SPARE_PART,
                    entity_id=part_id,
                    changes={"stock": [left + quantity, left], "order": [None, order.pk]},
                    at=now,
                )
            )
        AuditLog.objects.bulk_create(audit)
        _parts_changed()
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


def _raise_short(part_id: int, quantity: int) -> None:
    row = SparePart.objects.filter(pk=part_id).values_list("name", "sku", "stock")[:1]
    if not row:
        raise SparePartsNotFound([part_id])
    name, sku, stock = row[0]
    raise InsufficientStock(name=name, sku=sku, available=stock, requested=quantity)


def order_transition(*, order: ServiceOrder, status: str, actor: Actor) -> ServiceOrder:
    """Move an order along pending → in_progress → completed, or to cancelled from pending or
    in_progress; cancelling puts its parts back in stock, once even when two cancels race."""
    if status not in OrderStatus.values:
        raise InvalidOrderStatus(status)
    rows = ServiceOrder.objects.filter(pk=order.pk).values_list("status", flat=True)[:1]
    if not rows:
        raise ServiceOrderNotFound.for_id(order.pk)
    current = rows[0]
    if current not in ALLOWED_FROM.get(status, ()):
        raise InvalidTransition(current, status)
    with transaction.atomic():
        now = timezone.now()
        # Matching on the status we read: of two concurrent changes only one finds it.
        matched = ServiceOrder.objects.filter(pk=order.pk, status=current).update(
            status=status, updated_at=now
        )
        if not matched:
            rows = ServiceOrder.objects.filter(pk=order.pk).values_list("status", flat=True)[:1]
            if not rows:
                raise ServiceOrderNotFound.for_id(order.pk)
            raise InvalidTransition(rows[0], status)
        audit = [
            _audit_row(
                actor=actor,
                action=AuditAction.UPDATE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes={"status": [current, status]},
                at=now,
            )
        ]
        if status == OrderStatus.CANCELLED:
            audit += _restock(order.pk, actor=actor, at=now)
            _parts_changed()
        AuditLog.objects.bulk_create(audit)
    return ServiceOrder.objects.get(pk=order.pk)


def _restock(order_id: int, *, actor: Actor, at) -> list[AuditLog]:
    returned: Counter[int] = Counter()
    for part_id, quantity in ServiceOrderItem.objects.filter(order_id=order_id).values_list(
        "spare_part_id", "quantity"
    ):
        returned[part_id] += quantity
    rows = []
    # Parts in id order, like order creation, so a cancel and an order can't deadlock.
    for part_id in sorted(returned):
        quantity = returned[part_id]
        after = _move_stock(part_id, quantity, at)
        if after is None:  # the part is gone (lines PROTECT it, so only a concurrent raw delete)
            continue
        rows.append(
            _audit_row(
                actor=actor,
                action=AuditAction.UPDATE,
                entity=AuditEntity.SPARE_PART,
                entity_id=part_id,
                changes={"stock": [after - quantity, after], "order": [order_id, None]},
                at=at,
            )
        )
    return rows


def order_delete(*, order: ServiceOrder, actor: Actor) -> None:
    """Delete a completed or cancelled order with its lines and images (a live one holds stock:
    cancel it first, so the stock goes back)."""
    with transaction.atomic():
        current = ServiceOrder.objects.select_for_update().filter(pk=order.pk).first()
        if current is None:
            raise ServiceOrderNotFound.for_id(order.pk)
        images = list(ServiceOrderImage.objects.filter(order_id=order.pk))
        snapshot = _snapshot(current, ORDER_FIELDS)
        deleted, _ = ServiceOrder.objects.filter(
            pk=order.pk, status__in=[OrderStatus.COMPLETED, OrderStatus.CANCELLED]
        ).delete()
        if not deleted:
            rows = ServiceOrder.objects.filter(pk=order.pk).values_list("status", flat=True)[:1]
            if not rows:
                raise ServiceOrderNotFound.for_id(order.pk)
            raise OrderNotDeletable(rows[0])
        now = timezone.now()
        audit = [
            _audit_row(
                actor=actor,
                action=AuditAction.DELETE,
                entity=AuditEntity.SERVICE_ORDER,
                entity_id=order.pk,
                changes=_deleted(snapshot),
                at=now,
            )
        ]
        audit += [
            _audit_row(
                actor=actor,
                action=AuditAction.DELETE,
                entity=AuditEntity.SERVICE_ORDER_IMAGE,
                entity_id=image.pk,
                changes=_deleted(_snapshot(image, IMAGE_FIELDS)),
                at=now,
            )
            for image in images
        ]
        AuditLog.objects.bulk_create(audit)
        names = [image.file.name for image in images]
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str]) -> None:
    for name in names:
        try:
            default_storage.delete(name)
        except Exception:
            logger.warning("could not delete stored image %s", name, exc_info=True)


# --- images ---------------------------------------------------------------------------------------
def image_sniff(*, head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes (its magic number), or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg", "jpg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png", "png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    return None


def order_image_upload(*, order_id: int, upload: File | None, actor: Actor) -> ServiceOrderImage:
    """Store an order's image under `orders/<order_id>/<uuid>.<ext>` in the default storage.

    The type is decided by the bytes, not the name or the declared type; the extension follows the
    type, and on S3 so do the object's Content-Type and Content-Disposition (config.storage). The
    file is stored first and the row written after it: a storage failure is a 502 with no row, and
    a row that can't be written removes the stored file again.
    """
    if not ServiceOrder.objects.filter(pk=order_id).exists():
        raise ServiceOrderNotFound.for_id(order_id)
    if upload is None:
        raise InvalidImageType()
    limit = settings.MAINTENANCE_IMAGE_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise ImageTooLarge(limit)
    upload.seek(0)
    kind = image_sniff(head=upload.read(16))
    upload.seek(0)
    if kind is None:
        raise InvalidImageType()
    content_type, extension = kind
    name = f"orders/{order_id}/{uuid.uuid4().hex}.{extension}"
    # Only the bytes go to the storage: the client's declared type (`text/html`) and name never
    # reach it; the key's extension, from the sniffed type, is what types the stored object.
    content = File(upload.file, name=name)
    try:
        stored = default_storage.save(name, content)
    except Exception as exc:
        # The storage is a dependency (S3, a disk): whatever it raises is its failure, not ours.
        logger.warning("image upload for order %s failed: %r", order_id, exc)
        raise ImageUploadFailed(str(exc) or type(exc).__name__) from exc
    try:
        with transaction.atomic():
            image = ServiceOrderImage.objects.create(
                order_id=order_id,
                file=stored,
                file_name=(getattr(upload, "name", "") or name).rsplit("/", 1)[-1][:255],
                content_type=content_type,
                size=upload.size or 0,
            )
            audit_record(
                actor=actor,
                action=AuditAction.CREATE,
                entity=AuditEntity.SERVICE_ORDER_IMAGE,
                entity_id=image.pk,
                changes=_created(_snapshot(image, IMAGE_FIELDS)),
            )
    except BaseException:
        _delete_files([stored])
        raise
    return image


# --- maintenance of the records themselves --------------------------------------------------------
def idempotency_purge(*, older_than: timedelta) -> int:
    """Delete idempotency records older than `older_than` (they can no longer replay anything
    once older than both windows); returns how many."""
    cutoff = timezone.now() - older_than
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def sparepart_low_stock() -> models.QuerySet[SparePart]:
    """Parts whose stock is below their own minimum, most short first."""
    return (
        SparePart.objects.filter(stock__lt=F("min_stock"))
        .select_related("category")
        .order_by(F("stock") - F("min_stock"), "sku")
    )
