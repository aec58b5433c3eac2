from django.db import models


class OrderStatus(models.TextChoices):
    """A service order's lifecycle: pending → in_progress → completed, or cancelled before completion."""

    PENDING = "pending", "Pending"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# new status -> the statuses an order may move to it from (the conditional UPDATE's WHERE clause).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    OrderStatus.IN_PROGRESS: (OrderStatus.PENDING,),
    OrderStatus.COMPLETED: (OrderStatus.IN_PROGRESS,),
    OrderStatus.CANCELLED: (OrderStatus.PENDING, OrderStatus.IN_PROGRESS),
}


class AuditAction(models.TextChoices):
    CREATE = "create", "Create"
    UPDATE = "update", "Update"
    DELETE = "delete", "Delete"


class AuditEntity(models.TextChoices):
    """What an audit row is about (the API's `?entity=` filter)."""

    CATEGORY = "category", "Category"
    SPARE_PART = "spare_part", "Spare part"
    SERVICE_ORDER = "service_order", "Service order"
    SERVICE_ORDER_IMAGE = "service_order_image", "Service order image"


class IdempotencyKind(models.TextChoices):
    """Where an idempotency key came from: the body's `request_id` or the `Idempotency-Key` header."""

    REQUEST_ID = "request_id", "request_id"
    HEADER = "header", "Idempotency-Key header"
