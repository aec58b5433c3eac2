"""The admin's spare-part import: rows checked by the API's SparePartCreateSerializer (plus the
minimum stock the admin edits) and written by maintenance.services, so the SKU rule, the audit
and the stock precondition hold as for POST /api/v1/items/."""

from __future__ import annotations

from typing import Any

from import_export.fields import Field
from rest_framework import serializers

from config.imports import ServiceResource
from maintenance import services
from maintenance.models import SparePart
from maintenance.serializers import MAX_INT, SparePartCreateSerializer


class SparePartImportSerializer(SparePartCreateSerializer):
    """POST /items/'s fields, and `min_stock` (the admin's field, not the API's)."""

    min_stock = serializers.IntegerField(min_value=0, max_value=MAX_INT, required=False)


class SparePartResource(ServiceResource):
    """Columns: id (blank: a new part), sku, name, category_id, price, stock, min_stock. The
    export's `category` (a name) is not read back; `category_id` sets the category."""

    services = services
    entity = "sparepart"
    serializer = SparePartImportSerializer
    key_column = "id"
    category_id = Field(attribute="category_id", column_name="category_id")

    class Meta:
        model = SparePart
        fields = ("id", "sku", "name", "category_id", "price", "stock", "min_stock")

    def read_value(self, instance: SparePart) -> int:
        return instance.stock

    def update_arguments(self, instance: SparePart, changes: dict[str, Any]) -> dict[str, Any]:
        # The stock the preview showed: a stock that moved since (an order, an edit) is refused.
        return {"expected_stock": self.value_read(instance)} if "stock" in changes else {}
