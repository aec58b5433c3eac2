"""Reads of the maintenance app, one function per question; views, the admin, commands and services
call these (the services' writes stay in maintenance.services).

The low-stock predicate is `LOW_STOCK`, here and nowhere else: the API's `?low_stock=`, the admin's
stock-level filter and column, and the `low_stock_report` command all go through it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet

from maintenance.choices import OrderStatus
from maintenance.models import (
    AuditLog,
    Category,
    IdempotencyRecord,
    ServiceOrder,
    ServiceOrderImage,
    ServiceOrderItem,
    SparePart,
)

LOW_STOCK = Q(stock__lt=F("min_stock"))
"""A part is low on stock when its stock is below its own minimum (glossary: low stock)."""


# --- categories -----------------------------------------------------------------------------------
def category_list() -> QuerySet[Category]:
    """Every category (the API orders and searches them)."""
    return Category.objects.all()


def category_with_part_count(queryset: QuerySet[Category] | None = None) -> QuerySet[Category]:
    """Categories annotated with `_part_count`, how many parts each holds."""
    queryset = category_list() if queryset is None else queryset
    return queryset.annotate(_part_count=Count("spare_parts"))


def category_exists(*, category_id: int) -> bool:
    return Category.objects.filter(pk=category_id).exists()


# --- spare parts ----------------------------------------------------------------------------------
def sparepart_list() -> QuerySet[SparePart]:
    """Parts in creation order, category joined (the API's list and detail)."""
    return SparePart.objects.select_related("category").order_by("id")


def sparepart_filter_low_stock(queryset: QuerySet[SparePart], *, low: bool = True) -> QuerySet[SparePart]:
    """Keep the parts below their minimum (`low`), or those at or above it (`low=False`)."""
    return queryset.filter(LOW_STOCK) if low else queryset.exclude(LOW_STOCK)


def sparepart_with_low_stock_flag(queryset: QuerySet[SparePart]) -> QuerySet[SparePart]:
    """Parts annotated with `is_low_stock` (the predicate evaluated by the database, per row)."""
    return queryset.annotate(is_low_stock=ExpressionWrapper(LOW_STOCK, output_field=BooleanField()))


def sparepart_low_stock() -> QuerySet[SparePart]:
    """Parts whose stock is below their own minimum, most short first."""
    return sparepart_filter_low_stock(SparePart.objects.select_related("category")).order_by(
        F("stock") - F("min_stock"), "sku"
    )


def sparepart_by_ids(*, sparepart_ids: Iterable[int]) -> dict[int, SparePart]:
    """`{id: part}` of the parts that exist among `sparepart_ids`, category joined."""
    return {
        part.pk: part
        for part in SparePart.objects.select_related("category").filter(pk__in=list(sparepart_ids))
    }


def sparepart_stock(*, sparepart_id: int) -> tuple[str, str, int] | None:
    """(name, sku, stock) of a part as committed now, or None when it is gone."""
    rows = SparePart.objects.filter(pk=sparepart_id).values_list("name", "sku", "stock")[:1]
    return rows[0] if rows else None


def sku_taken(*, sku: str, exclude_id: int | None = None) -> bool:
    """Whether another part has this SKU (to name a unique violation)."""
    queryset = SparePart.objects.filter(sku=sku)
    if exclude_id is not None:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.exists()


def category_parts(*, category_id: int) -> QuerySet[SparePart]:
    """The parts in a category (what keeps it from being deleted)."""
    return SparePart.objects.filter(category_id=category_id)


def order_lines_of_part(*, sparepart_id: int) -> QuerySet[ServiceOrderItem]:
    """The order lines naming a part (what keeps it from being deleted)."""
    return ServiceOrderItem.objects.filter(spare_part_id=sparepart_id)


# --- orders ---------------------------------------------------------------------------------------
def order_list() -> QuerySet[ServiceOrder]:
    """Orders with their lines (id order) and each line's part and category: the API's list and
    detail in three queries per page."""
    return ServiceOrder.objects.prefetch_related(
        Prefetch(
            "items",
            queryset=ServiceOrderItem.objects.select_related("spare_part__category").order_by("id"),
        )
    )


def order_example(*, parts: int = 2) -> tuple[int, list[int]]:
    """What a new order could be (the browsable API's template): a `request_id` after every one
    used so far, and the ids of the first `parts` parts with stock."""
    used = ServiceOrder.objects.order_by("-request_id").values_list("request_id", flat=True).first()
    part_ids = SparePart.objects.filter(stock__gte=1).order_by("pk").values_list("pk", flat=True)[:parts]
    return (used or 0) + 1, list(part_ids)


def order_with_line_count(queryset: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
    """Orders annotated with `_line_count`."""
    return queryset.annotate(_line_count=Count("items"))


def order_lines_of(*, order_ids: Iterable[int]) -> dict[int, list[ServiceOrderItem]]:
    """The lines of these orders with their parts, by order id (one query for a page of orders)."""
    lines: dict[int, list[ServiceOrderItem]] = {}
    for line in ServiceOrderItem.objects.filter(order_id__in=list(order_ids)).select_related("spare_part"):
        lines.setdefault(line.order_id, []).append(line)
    return lines


def order_find(*, order_id: int) -> ServiceOrder | None:
    """The order row, or None."""
    return ServiceOrder.objects.filter(pk=order_id).first()


def order_get(*, order_id: int) -> ServiceOrder:
    """The order row (DoesNotExist when it is gone)."""
    return ServiceOrder.objects.get(pk=order_id)


def order_exists(*, order_id: int) -> bool:
    return ServiceOrder.objects.filter(pk=order_id).exists()


def order_status(*, order_id: int) -> str | None:
    """The order's status as committed now (None: no such order), without loading the row."""
    rows = ServiceOrder.objects.filter(pk=order_id).values_list("status", flat=True)[:1]
    return rows[0] if rows else None


def order_line_quantities(*, order_id: int) -> QuerySet:
    """(part id, quantity) of each line of an order."""
    return ServiceOrderItem.objects.filter(order_id=order_id).values_list("spare_part_id", "quantity")


def order_images(*, order_id: int) -> QuerySet[ServiceOrderImage]:
    """An order's images, oldest first."""
    return ServiceOrderImage.objects.filter(order_id=order_id).order_by("id")


def idempotency_records(*, owner_id: Any, keys: list[str]) -> QuerySet[IdempotencyRecord]:
    """The caller's records of `keys` (owner None is `IS NULL`: calls without a user share one scope)."""
    return IdempotencyRecord.objects.filter(created_by_id=owner_id, key__in=keys).only(
        "key", "kind", "fingerprint", "order_id", "created_at"
    )


def order_count_by_status() -> dict[str, int]:
    """How many orders are in each status (every status present, zero included): one query."""
    counts = dict.fromkeys(OrderStatus.values, 0)
    counts.update(ServiceOrder.objects.order_by().values_list("status").annotate(n=Count("pk")))
    return counts


# --- audit ----------------------------------------------------------------------------------------
def audit_list() -> QuerySet[AuditLog]:
    """Audit rows with their actor (the model orders them newest first)."""
    return AuditLog.objects.select_related("actor")


def audit_of(*, entity: str, entity_id: Any) -> QuerySet[AuditLog]:
    """The audit rows of one object, newest first."""
    return audit_list().filter(entity=entity, entity_id=str(entity_id))
