from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    """A service order's lifecycle: pending → in_progress → completed, or cancelled before completion."""

    PENDING = "pending", _("Pending")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


# new status -> the statuses an order may move to it from (the conditional UPDATE's WHERE clause).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    OrderStatus.IN_PROGRESS: (OrderStatus.PENDING,),
    OrderStatus.COMPLETED: (OrderStatus.IN_PROGRESS,),
    OrderStatus.CANCELLED: (OrderStatus.PENDING, OrderStatus.IN_PROGRESS),
}


class AuditAction(models.TextChoices):
    CREATE = "create", _("Create")
    UPDATE = "update", _("Update")
    DELETE = "delete", _("Delete")


class AuditEntity(models.TextChoices):
    """What an audit row is about (the API's `?entity=` filter)."""

    CATEGORY = "category", _("Category")
    SPARE_PART = "spare_part", _("Spare part")
    SERVICE_ORDER = "service_order", _("Service order")
    SERVICE_ORDER_IMAGE = "service_order_image", _("Service order image")


class IdempotencyKind(models.TextChoices):
    """Where an idempotency key came from: the body's `request_id` or the `Idempotency-Key` header."""

    REQUEST_ID = "request_id", "request_id"
    HEADER = "header", _("Idempotency-Key header")
