"""Domain errors of the maintenance app, with the specification's messages; config.api.exceptions
turns them into HTTP answers."""

from __future__ import annotations

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
    default_detail = "Category not found"

    @classmethod
    def for_id(cls, category_id: object) -> CategoryNotFound:
        return cls(f"Category with ID '{category_id}' not found")


class CategoryDuplicate(DomainError):
    def __init__(self, name: str) -> None:
        super().__init__(f"Category with name '{name}' already exists")


class CategoryInUse(ConflictError):
    def __init__(self, name: str, count: int) -> None:
        super().__init__(
            f"Category '{name}' is used by {count} spare part{'s' if count != 1 else ''}", part_count=count
        )


class InvalidSku(DomainError):
    def __init__(self, sku: str) -> None:
        super().__init__(
            f"Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got '{sku}'"
        )


class EmptySkuComponent(DomainError):
    default_detail = "All SKU components must be non-empty"


class SparePartDuplicate(DomainError):
    def __init__(self, sku: str) -> None:
        super().__init__(f"Spare part with SKU '{sku}' already exists")


class SparePartNotFound(NotFoundError):
    default_detail = "Spare part not found"

    @classmethod
    def for_sku(cls, sku: str) -> SparePartNotFound:
        return cls(f"Spare part with SKU '{sku}' not found")


class SparePartInUse(ConflictError):
    def __init__(self, sku: str, count: int) -> None:
        super().__init__(
            f"Spare part with SKU '{sku}' is used by {count} order line{'s' if count != 1 else ''}",
            order_line_count=count,
        )


class StaleStock(ConflictError):
    """The stock moved (an order, a cancel, another editor) after the editor read it."""

    def __init__(self, part: object, read: int, current: int) -> None:
        super().__init__(
            f"the stock of {part} changed while you were editing it (you read {read}, it is now "
            f"{current}). Review the current stock and save again.",
            current_stock=current,
        )


class NoFieldsToUpdate(DomainError):
    default_detail = "No fields to update provided"


class SparePartsNotFound(NotFoundError):
    def __init__(self, ids: list[int]) -> None:
        super().__init__(f"Spare parts not found: {sorted(ids)}")


class InsufficientStock(DomainError):
    def __init__(self, *, name: str, sku: str, available: int, requested: int) -> None:
        super().__init__(
            f"Insufficient stock for '{name}' (SKU: {sku}). Available: {available}, Requested: {requested}"
        )


class InvalidOrderLine(DomainError):
    """A line the columns cannot hold (the API's serializer refuses these before the service)."""

    def __init__(self, max_quantity: int) -> None:
        super().__init__(f"Quantity must be a whole number from 1 to {max_quantity}")


class OrderTotalTooLarge(DomainError):
    def __init__(self, total: object, limit: object) -> None:
        super().__init__(f"Order total {total} is larger than an order can hold (at most {limit})")


class ServiceOrderNotFound(NotFoundError):
    default_detail = "Service order not found"

    @classmethod
    def for_id(cls, order_id: object) -> ServiceOrderNotFound:
        return cls(f"Service order with ID '{order_id}' not found")


class InvalidTransition(ConflictError):
    def __init__(self, current: str, new: str) -> None:
        super().__init__(f"Cannot change order status from '{current}' to '{new}'", current_status=current)


class OrderNotDeletable(ConflictError):
    def __init__(self, status: str) -> None:
        super().__init__(
            f"Only completed or cancelled orders can be deleted (this one is '{status}'); cancel it first",
            current_status=status,
        )


class OrderInFlight(ConflictError):
    default_detail = "An order with this request id is being created; retry shortly"


class IdempotencyKeyReused(UnprocessableError):
    default_detail = "Idempotency-Key was already used with a different request body"


class InvalidImageType(DomainError):
    default_detail = "Invalid file type. Allowed: " + ", ".join(ALLOWED_IMAGE_TYPES)


class ImageTooLarge(PayloadTooLargeError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"Image too large: the limit is {limit} bytes", max_bytes=limit)


class ImageUploadFailed(DependencyUnavailable):
    """503 "storage unavailable" with Retry-After: the storage (S3, a disk) failed and nothing was
    stored. The reason (which may name an internal endpoint) goes to the log only."""

    def __init__(self, reason: str) -> None:
        super().__init__(STORAGE)
        self.reason = reason


class InvalidCategory(DomainError):
    """400, not 404: the part's body names a category that does not exist."""

    def __init__(self, category_id: object) -> None:
        super().__init__(f"Category with ID '{category_id}' not found")


class InvalidOrderStatus(DomainError):
    def __init__(self, status: str) -> None:
        super().__init__(f"Unknown order status '{status}'")
