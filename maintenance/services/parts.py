"""Spare parts: the SKU rule, and create, update and delete, each audited. A change to a part (or
its stock) invalidates the cached parts pages on commit."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction

from config.services import UNSET, Actor, sent
from maintenance import selectors
from maintenance.choices import AuditEntity
from maintenance.exceptions import (
    EmptySkuComponent,
    InvalidCategory,
    InvalidSku,
    SparePartDuplicate,
    SparePartInUse,
    SparePartNotFound,
    StaleStock,
)
from maintenance.models import SparePart
from maintenance.services.audit import (
    audit_created,
    delete_audited,
    update_audited,
)
from maintenance.services.parts_cache import parts_changed

PART_FIELDS = ("name", "sku", "price", "stock", "min_stock", "category_id")


def sparepart_check_sku(*, sku: str) -> str:
    """`[CLASS]-[MATERIAL]-[SIZE]-[LENGTH]`: exactly four dash-separated, non-empty components."""
    components = sku.split("-")
    if len(components) != 4:
        raise InvalidSku(sku)
    if any(not component.strip() for component in components):
        raise EmptySkuComponent()
    return sku


def _check_category(category_id: int | None) -> None:
    if category_id is not None and not selectors.category_exists(category_id=category_id):
        raise InvalidCategory(category_id)


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
    sparepart_check_sku(sku=sku)
    _check_category(category_id)
    part = SparePart(
        name=name, sku=sku, price=price, stock=stock, min_stock=min_stock, category_id=category_id
    )
    part.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            part.save()
            audit_created(part, fields=PART_FIELDS, entity=AuditEntity.SPARE_PART, actor=actor)
            parts_changed()
    except IntegrityError:
        if selectors.sku_taken(sku=sku):
            raise SparePartDuplicate(sku) from None
        raise
    return part


def sparepart_update(
    *,
    sparepart: SparePart,
    actor: Actor,
    price: Decimal = UNSET,
    stock: int = UNSET,
    name: str = UNSET,
    sku: str = UNSET,
    min_stock: int = UNSET,
    category_id: int | None = UNSET,
    expected_stock: int | None = None,
) -> SparePart:
    """Change the fields passed (config.services.UNSET: leave as is; `category_id=None` clears the
    category). The row is locked and re-read first, so the audit's old values are the ones this change
    replaced (stock may have moved since the caller read).

    `expected_stock` is the stock the editor read (the admin sends it): a stock change over a stock
    that moved since (an order, a cancel) is refused with StaleStock (409) instead of undoing it."""
    data = sent(name=name, sku=sku, price=price, stock=stock, min_stock=min_stock, category_id=category_id)
    if "sku" in data:
        sparepart_check_sku(sku=data["sku"])
    if data.get("category_id") is not None:
        _check_category(data["category_id"])
    try:
        return update_audited(
            sparepart,
            data,
            actor=actor,
            entity=AuditEntity.SPARE_PART,
            not_found=lambda: SparePartNotFound.for_sku(sparepart.sku),
            on_change=parts_changed,
            expected={"stock": expected_stock} if expected_stock is not None and "stock" in data else None,
            stale=lambda current: StaleStock(current, expected_stock, current.stock),
        )
    except IntegrityError:
        if "sku" in data and selectors.sku_taken(sku=data["sku"], exclude_id=sparepart.pk):
            raise SparePartDuplicate(data["sku"]) from None
        raise


def sparepart_delete(*, sparepart: SparePart, actor: Actor) -> None:
    """Delete a part no order line names (order lines keep their history); else 409."""
    delete_audited(
        sparepart,
        actor=actor,
        fields=PART_FIELDS,
        entity=AuditEntity.SPARE_PART,
        references=selectors.order_lines_of_part(sparepart_id=sparepart.pk),
        in_use=lambda current, count: SparePartInUse(current.sku, count),
        not_found=lambda: SparePartNotFound.for_sku(sparepart.sku),
        on_change=parts_changed,
    )
