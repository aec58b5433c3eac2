"""Spare parts, their categories, service orders (items, images), idempotency records, audit log."""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MinLengthValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from maintenance.choices import AuditAction, AuditEntity, IdempotencyKind, OrderStatus
from maintenance.permissions import MaintenancePermissions


class Category(models.Model):
    """A group of spare parts. Names are unique, case-sensitive and stored verbatim."""

    name = models.CharField(max_length=100, validators=[MinLengthValidator(1)])
    description = models.CharField(max_length=255, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(
                fields=["name"],
                name="maintenance_category_name_unique",
                violation_error_message="A category with this name already exists.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class SparePart(models.Model):
    """A stocked part. `stock` only moves through conditional UPDATEs and never goes below zero."""

    name = models.CharField(max_length=150)
    sku = models.CharField(max_length=50, help_text="[CLASS]-[MATERIAL]-[SIZE]-[LENGTH]")
    price = models.DecimalField(max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    stock = models.IntegerField(default=0, validators=[MinValueValidator(0)])
    min_stock = models.IntegerField(
        default=0, validators=[MinValueValidator(0)], help_text="Below this the part counts as low stock."
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.PROTECT, related_name="spare_parts"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The stock UPDATEs set it themselves: QuerySet.update() never runs auto_now.
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        # The API lists parts in creation order.
        ordering = ["id"]
        constraints = [
            # The unique index is also the SKU lookup index (GET/PATCH /items/{sku}).
            models.UniqueConstraint(
                fields=["sku"],
                name="maintenance_sparepart_sku_unique",
                violation_error_message="A spare part with this SKU already exists.",
            ),
            models.CheckConstraint(
                condition=Q(stock__gte=0),
                name="maintenance_sparepart_stock_non_negative",
                violation_error_message="Stock can't be negative.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="maintenance_sparepart_price_non_negative",
                violation_error_message="Price can't be negative.",
            ),
            models.CheckConstraint(
                condition=Q(min_stock__gte=0),
                name="maintenance_sparepart_min_stock_non_negative",
                violation_error_message="The minimum stock can't be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sku})"


class ServiceOrder(models.Model):
    """An order for spare parts; creating it takes the parts out of stock, cancelling puts them back."""

    request_id = models.BigIntegerField(help_text="The client's id for this request (idempotency).")
    status = models.CharField(max_length=16, choices=OrderStatus.choices, default=OrderStatus.PENDING)
    total = models.DecimalField(max_digits=20, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_orders",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "created_at"], name="maint_order_status_idx"),
            models.Index(fields=["request_id"], name="maint_order_request_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=OrderStatus.values),
                name="maintenance_order_status_valid",
                violation_error_message="Status must be one of: " + ", ".join(OrderStatus.values) + ".",
            ),
            models.CheckConstraint(
                condition=Q(request_id__gt=0),
                name="maintenance_order_request_id_positive",
                violation_error_message="request_id must be a positive integer.",
            ),
            models.CheckConstraint(
                condition=Q(total__gte=0),
                name="maintenance_order_total_non_negative",
                violation_error_message="The total can't be negative.",
            ),
        ]
        permissions = [MaintenancePermissions.TRANSITION_SERVICE_ORDER.meta]

    def __str__(self) -> str:
        return f"Order #{self.pk} ({self.status})"

    @cached_property
    def lines(self) -> list[ServiceOrderItem]:
        """The items in id order: prefetched `items` when the queryset asked for them; the service
        that creates an order sets this from the rows it wrote, so its answer needs no re-read."""
        return sorted(self.items.all(), key=lambda item: item.pk)


class ServiceOrderItem(models.Model):
    """One order line; the unit price is copied from the part when the order is made."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="items")
    spare_part = models.ForeignKey(SparePart, on_delete=models.PROTECT, related_name="order_items")
    quantity = models.IntegerField()
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0),
                name="maintenance_item_quantity_positive",
                violation_error_message="Quantity must be a positive integer.",
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0),
                name="maintenance_item_unit_price_non_negative",
                violation_error_message="The unit price can't be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"Line {self.pk}"


class ServiceOrderImage(models.Model):
    """A photo attached to an order. The file lives in the default storage under
    `orders/<order_id>/<uuid>.<ext>`; its URL is made when read (S3 URLs are presigned and expire)."""

    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(max_length=255)
    file_name = models.CharField(max_length=255, help_text="The uploaded file's own name.")
    content_type = models.CharField(max_length=32)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order_id", "id"]

    def __str__(self) -> str:
        return self.file_name


class IdempotencyRecord(models.Model):
    """Claims a caller's key for one order. The unique constraint on (creator, key), inserted in the
    order's own transaction, is what makes concurrent duplicates create exactly one order; two
    callers with the same key never see each other's orders."""

    key = models.CharField(max_length=300, help_text="`request:<request_id>` or `header:<Idempotency-Key>`.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        # A deleted caller can replay nothing: their records go with them.
        on_delete=models.CASCADE,
        related_name="+",
        help_text="The caller whose key this is; empty for management commands and demo data.",
    )
    kind = models.CharField(max_length=16, choices=IdempotencyKind.choices)
    fingerprint = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the request body (Idempotency-Key reuse check)."
    )
    order = models.ForeignKey(ServiceOrder, on_delete=models.CASCADE, related_name="idempotency_records")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_at"], name="maint_idem_created_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "key"],
                condition=Q(created_by__isnull=False),
                name="maintenance_idempotency_caller_key_unique",
                violation_error_message="This idempotency key is already in use.",
            ),
            # NULLs are distinct in a unique index: calls without a user get their own one.
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(created_by__isnull=True),
                name="maintenance_idempotency_system_key_unique",
                violation_error_message="This idempotency key is already in use.",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=IdempotencyKind.values),
                name="maintenance_idempotency_kind_valid",
                violation_error_message="Kind must be one of: " + ", ".join(IdempotencyKind.values) + ".",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.key} → order {self.order_id}"


class AuditLog(models.Model):
    """Who changed what and when, field by field; written in the same transaction as the change.

    `changes` maps each field to `[old, new]` (`old` is null on create, `new` on delete). Rows are
    never edited.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="maintenance_audit_rows",
        help_text="The authenticated user; empty for management commands and demo data.",
    )
    action = models.CharField(max_length=8, choices=AuditAction.choices)
    entity = models.CharField(max_length=32, choices=AuditEntity.choices)
    entity_id = models.CharField(max_length=64)
    changes = models.JSONField(default=dict, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["entity", "entity_id", "created_at"], name="maint_audit_entity_idx"),
            models.Index(fields=["actor", "created_at"], name="maint_audit_actor_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=AuditAction.values),
                name="maintenance_audit_action_valid",
                violation_error_message="Action must be one of: " + ", ".join(AuditAction.values) + ".",
            ),
            models.CheckConstraint(
                condition=Q(entity__in=AuditEntity.values),
                name="maintenance_audit_entity_valid",
                violation_error_message="Entity must be one of: " + ", ".join(AuditEntity.values) + ".",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.entity} {self.entity_id}"
