"""Domain errors of the maintenance app, with the specification's messages; config.api.exceptions
turns them into HTTP answers."""

from __future__ import annotations

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from config.dependencies import STORAGE, DependencyUnavailable
from config.errors import (
    ConflictError,
    DomainError,
    NotFoundError,
    PayloadTooLargeError,
    UnprocessableError,
)

ALLOWED_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")


class CategoryNotFound(NotFoundError):
    default_detail = _("Category not found")

    @classmethod
    def for_id(cls, category_id: object) -> CategoryNotFound:
        return cls(_("Category with ID '%(id)s' not found") % {"id": category_id})


class CategoryDuplicate(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(_("Category with name '%(name)s' already exists") % {"name": name})


class CategoryInUse(ConflictError):
    def __init__(self, name: str, count: int) -> None:
        message = ngettext(
            "Category '%(name)s' is used by %(count)d spare part",
            "Category '%(name)s' is used by %(count)d spare parts",
            count,
        )
        super().__init__(message % {"name": name, "count": count}, part_count=count)


class InvalidSku(DomainError):
    def __init__(self, sku: str) -> None:
        super().__init__(
            _("Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got '%(sku)s'")
            % {"sku": sku}
        )


class EmptySkuComponent(DomainError):
    default_detail = _("All SKU components must be non-empty")


class SparePartDuplicate(DomainError):
    def __init__(self, sku: str) -> None:
        super().__init__(_("Spare part with SKU '%(sku)s' already exists") % {"sku": sku})


class SparePartNotFound(NotFoundError):
    default_detail = _("Spare part not found")

    @classmethod
    def for_sku(cls, sku: str) -> SparePartNotFound:
        return cls(_("Spare part with SKU '%(sku)s' not found") % {"sku": sku})


class SparePartInUse(ConflictError):
    def __init__(self, sku: str, count: int) -> None:
        message = ngettext(
            "Spare part with SKU '%(sku)s' is used by %(count)d order line",
            "Spare part with SKU '%(sku)s' is used by %(count)d order lines",
            count,
        )
        super().__init__(message % {"sku": sku, "count": count}, order_line_count=count)


class StaleStock(ConflictError):
    """The stock moved (an order, a cancel, another editor) after the editor read it."""

    def __init__(self, part: object, read: int, current: int) -> None:
        super().__init__(
            _(
                "the stock of %(part)s changed while you were editing it (you read %(read)s, it is now "
                "%(current)s). Review the current stock and save again."
            )
            % {"part": part, "read": read, "current": current},
            current_stock=current,
        )


class NoFieldsToUpdate(DomainError):
    default_detail = _("No fields to update provided")


class SparePartsNotFound(NotFoundError):
    def __init__(self, ids: list[int]) -> None:
        super().__init__(_("Spare parts not found: %(ids)s") % {"ids": sorted(ids)})


class InsufficientStock(DomainError):
    def __init__(self, *, name: str, sku: str, available: int, requested: int) -> None:
        super().__init__(
            _(
                "Insufficient stock for '%(name)s' (SKU: %(sku)s). "
                "Available: %(available)s, Requested: %(requested)s"
            )
            % {"name": name, "sku": sku, "available": available, "requested": requested}
        )


class InvalidOrderLine(DomainError):
    """A line the columns cannot hold (the API's serializer refuses these before the service)."""

    def __init__(self, max_quantity: int) -> None:
        super().__init__(_("Quantity must be a whole number from 1 to %(max)s") % {"max": max_quantity})


class OrderTotalTooLarge(DomainError):
    def __init__(self, total: object, limit: object) -> None:
        super().__init__(
            _("Order total %(total)s is larger than an order can hold (at most %(limit)s)")
            % {"total": total, "limit": limit}
        )


class ServiceOrderNotFound(NotFoundError):
    default_detail = _("Service order not found")

    @classmethod
    def for_id(cls, order_id: object) -> ServiceOrderNotFound:
        return cls(_("Service order with ID '%(id)s' not found") % {"id": order_id})


class InvalidTransition(ConflictError):
    def __init__(self, current: str, new: str) -> None:
        super().__init__(
            _("Cannot change order status from '%(current)s' to '%(new)s'")
            % {"current": current, "new": new},
            current_status=current,
        )


class OrderNotDeletable(ConflictError):
    def __init__(self, status: str) -> None:
        super().__init__(
            _("Only completed or cancelled orders can be deleted (this one is '%(status)s'); cancel it first")
            % {"status": status},
            current_status=status,
        )


class OrderInFlight(ConflictError):
    default_detail = _("An order with this request id is being created; retry shortly")


class IdempotencyKeyReused(UnprocessableError):
    default_detail = _("Idempotency-Key was already used with a different request body")


class InvalidImageType(DomainError):
    default_detail = format_lazy(
        _("Invalid file type. Allowed: {types}"), types=", ".join(ALLOWED_IMAGE_TYPES)
    )


class ImageTooLarge(PayloadTooLargeError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            _("Image too large: the limit is %(limit)s bytes") % {"limit": limit}, max_bytes=limit
        )


class ImageUploadFailed(DependencyUnavailable):
    """503 "storage unavailable" with Retry-After: the storage (S3, a disk) failed and nothing was
    stored. The reason (which may name an internal endpoint) goes to the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(STORAGE)
        self.reason = reason


class InvalidCategory(DomainError):
    """400, not 404: the part's body names a category that does not exist."""

    def __init__(self, category_id: object) -> None:
        super().__init__(_("Category with ID '%(id)s' not found") % {"id": category_id})


class InvalidOrderStatus(DomainError):
    def __init__(self, status: str) -> None:
        super().__init__(_("Unknown order status '%(status)s'") % {"status": status})
