"""Shapes of the maintenance API. Input serializers check shape and ranges; the rules (SKU format,
uniqueness, stock) are the services'. Output field names follow the specification
(`date_created`/`date_updated`, `category_id`, `spare_part_id`).

The specification's optional fields accept `null` (its clients send `"description": null` for a
category without one): null is "not given" where a default or "leave as is" applies (a part's
`stock`, PATCH `price`/`stock`), and "none" for a category's description, which is stored as ""
and always answered as null when empty."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.output import BlankAsNullCharField, PlannedSerializer
from config.limits import MAX_BIGINT
from maintenance import selectors
from maintenance.choices import AuditAction, AuditEntity, OrderStatus
from maintenance.models import (
    AuditLog,
    ServiceOrderImage,
)

MAX_INT = 2**31 - 1  # an integer column; larger values would fail in the database, not as a 400
PRICE = {"max_digits": 12, "decimal_places": 2, "min_value": 0}


# --- categories -----------------------------------------------------------------------------------
def drop_nulls(attrs: dict) -> dict:
    """`attrs` without the optional fields sent as null: the same as not sending them."""
    return {name: value for name, value in attrs.items() if value is not None}


class CategoryInputSerializer(serializers.Serializer):
    """Names are kept verbatim, surrounding spaces too (no trimming). A null or empty description
    means "no description" (stored as "", answered as null)."""

    name = serializers.CharField(min_length=1, max_length=100, trim_whitespace=False)
    description = serializers.CharField(
        max_length=255, required=False, allow_blank=True, allow_null=True, trim_whitespace=False
    )

    def validate_description(self, value: str | None) -> str:
        return value or ""


class CategorySerializer(PlannedSerializer):
    """The fields document the shape; `to_representation` builds it directly (the parts list, the
    hottest read, embeds one per row, and DRF's per-field machinery costs more than the query)."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    description = BlankAsNullCharField(read_only=True, allow_null=True, help_text="null when none")
    date_created = serializers.DateTimeField(source="created_at", read_only=True)
    date_updated = serializers.DateTimeField(source="updated_at", read_only=True)


# --- spare parts ----------------------------------------------------------------------------------
class SparePartCreateSerializer(serializers.Serializer):
    name = serializers.CharField(min_length=1, max_length=150)
    sku = serializers.CharField(
        min_length=1, max_length=50, trim_whitespace=False, help_text="[CLASS]-[MATERIAL]-[SIZE]-[LENGTH]"
    )
    price = serializers.DecimalField(**PRICE)
    stock = serializers.IntegerField(min_value=0, max_value=MAX_INT, default=0, allow_null=True)
    category_id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT, required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        """A null `stock` is the default (0), a null `category_id` "no category" (the service's)."""
        return drop_nulls(attrs)


class SparePartUpdateSerializer(serializers.Serializer):
    """PATCH /items/{sku}: only price and stock; anything else is ignored, and null is "leave as is"
    (only nulls: the usual "No fields to update provided")."""

    price = serializers.DecimalField(**PRICE, required=False, allow_null=True)
    stock = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False, allow_null=True)

    def validate(self, attrs: dict) -> dict:
        return drop_nulls(attrs)


class SparePartSerializer(PlannedSerializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sku = serializers.CharField(read_only=True)
    price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    stock = serializers.IntegerField(read_only=True)
    category_id = serializers.IntegerField(read_only=True, allow_null=True)
    category = CategorySerializer(read_only=True, allow_null=True)
    date_created = serializers.DateTimeField(source="created_at", read_only=True)
    date_updated = serializers.DateTimeField(source="updated_at", read_only=True)


# --- orders ---------------------------------------------------------------------------------------
class OrderLineInputSerializer(serializers.Serializer):
    spare_part_id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_INT)


class OrderCreateSerializer(serializers.Serializer):
    request_id = serializers.IntegerField(min_value=1, max_value=MAX_BIGINT)
    items = OrderLineInputSerializer(many=True, allow_empty=False, max_length=1000)

    def form_initial(self) -> dict:
        """The browsable API's raw-data template: a real order (config.api.browsable), with a
        request_id no order has and two parts in stock."""
        request_id, part_ids = selectors.order_example()
        return {
            "request_id": request_id,
            "items": [{"spare_part_id": part_id, "quantity": 1} for part_id in part_ids],
        }


class OrderItemSerializer(PlannedSerializer):
    id = serializers.IntegerField(read_only=True)
    spare_part_id = serializers.IntegerField(read_only=True)
    quantity = serializers.IntegerField(read_only=True)
    unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, read_only=True)
    spare_part = SparePartSerializer(read_only=True)


class OrderSerializer(PlannedSerializer):
    id = serializers.IntegerField(read_only=True)
    request_id = serializers.IntegerField(read_only=True)
    status = serializers.ChoiceField(choices=OrderStatus.choices, read_only=True)
    total = serializers.DecimalField(max_digits=20, decimal_places=2, read_only=True)
    items = OrderItemSerializer(many=True, read_only=True, source="lines")
    date_created = serializers.DateTimeField(source="created_at", read_only=True)
    date_updated = serializers.DateTimeField(source="updated_at", read_only=True)


class OrderTransitionSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=OrderStatus.choices)


class ImageUploadSerializer(serializers.Serializer):
    """Documentation of the multipart body; the view hands the file to the service as it is."""

    file = serializers.FileField(help_text="A JPEG, PNG or WebP image (decided by its bytes).")


class ServiceOrderImageSerializer(serializers.ModelSerializer):
    image_url = serializers.SerializerMethodField()
    date_created = serializers.DateTimeField(source="created_at", read_only=True)
    date_updated = serializers.DateTimeField(source="updated_at", read_only=True)

    class Meta:
        model = ServiceOrderImage
        fields = ["id", "order_id", "file_name", "image_url", "date_created", "date_updated"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.URI)
    def get_image_url(self, obj: ServiceOrderImage) -> str:
        """Made now: on S3 a fresh presigned URL (they expire), on the file system the media URL
        (made absolute with the request, as DRF's FileField does)."""
        url = obj.file.url
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None and url.startswith("/") else url


# --- audit ----------------------------------------------------------------------------------------
class AuditLogSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)
    action = serializers.ChoiceField(choices=AuditAction.choices, read_only=True)
    entity = serializers.ChoiceField(choices=AuditEntity.choices, read_only=True)
    changes = serializers.JSONField(read_only=True, help_text="{field: [old, new]}")

    class Meta:
        model = AuditLog
        fields = ["id", "created_at", "actor_id", "actor", "action", "entity", "entity_id", "changes"]
        read_only_fields = fields
