"""Back office for spare parts, categories, service orders and the audit log. Every write goes
through maintenance.services, so the admin takes stock, audits and refuses exactly like the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from config.admin import (
    GREEN,
    RED,
    CSVExportMixin,
    DateRangeFilter,
    ReadOnlyAdminMixin,
    ServiceAdmin,
    admin_link,
    coloured,
)
from config.imports import ServiceImportMixin
from maintenance import selectors, services
from maintenance.admin_audit import AuditTrailMixin, summarize_changes
from maintenance.admin_orders import ServiceOrderAdmin
from maintenance.choices import AuditEntity
from maintenance.exceptions import (
    CategoryDuplicate,
    EmptySkuComponent,
    InvalidCategory,
    InvalidSku,
    SparePartDuplicate,
)
from maintenance.models import AuditLog, Category, SparePart
from maintenance.resources import SparePartResource

__all__ = ["AuditTrailMixin", "ServiceOrderAdmin", "summarize_changes"]


# --- categories -----------------------------------------------------------------------------------
@admin.register(Category)
class CategoryAdmin(AuditTrailMixin, ServiceAdmin):
    services = services
    entity = "category"
    audit_entity = AuditEntity.CATEGORY
    list_display = ["name", "description", "part_count", "updated_at"]
    search_fields = ["name", "description"]
    ordering = ["name", "id"]
    fields = ["name", "description", "created_at", "updated_at", "audit_trail"]
    readonly_fields = ["created_at", "updated_at", "audit_trail"]
    refusal_fields = {CategoryDuplicate: "name"}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return selectors.category_with_part_count(super().get_queryset(request))

    @admin.display(description="parts", ordering="_part_count")
    def part_count(self, obj: Category) -> str:
        return admin_link(SparePart, obj._part_count, query={"category__id__exact": obj.pk})


# --- spare parts ----------------------------------------------------------------------------------
class StockLevelFilter(admin.SimpleListFilter):
    title = "stock level"
    parameter_name = "stock_level"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("low", "Below minimum"), ("ok", "At or above minimum"), ("out", "Out of stock")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[SparePart]) -> QuerySet[SparePart]:
        if self.value() in ("low", "ok"):
            return selectors.sparepart_filter_low_stock(queryset, low=self.value() == "low")
        if self.value() == "out":
            return queryset.filter(stock=0)
        return queryset


class SparePartAdminForm(forms.ModelForm):
    """The stock input carries the stock it was read at (a hidden initial value, posted back), so a
    save over a stock that moved meanwhile (an order, a cancel, another editor) is refused instead
    of writing the old number back, and a row the editor did not touch is not saved at all."""

    class Meta:
        model = SparePart
        fields = ["name", "sku", "category", "price", "stock", "min_stock"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "stock" in self.fields:
            # Django then also decides "changed" against this read value, not the row as it is now.
            self.fields["stock"].show_hidden_initial = True

    def stock_read_at(self) -> int | None:
        """The stock this form showed when it was opened (None: not posted or not a number)."""
        field, bound = self.fields["stock"], self["stock"]
        raw = field.hidden_widget().value_from_datadict(self.data, self.files, bound.html_initial_name)
        try:
            return field.to_python(raw)
        except ValidationError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.instance.pk is not None and "stock" in self.fields and "stock" in self.changed_data:
            read = self.stock_read_at()
            if read is None:
                self.add_error("stock", "Reload the page: the stock it was read at is missing.")
            else:
                cleaned["expected_stock"] = read
        return cleaned


@admin.register(SparePart)
class SparePartAdmin(AuditTrailMixin, CSVExportMixin, ServiceImportMixin, ServiceAdmin):
    services = services
    entity = "sparepart"
    resource_classes = [SparePartResource]
    audit_entity = AuditEntity.SPARE_PART
    list_display = ["sku", "name", "category", "price", "stock", "min_stock", "stock_level"]
    list_display_links = ["sku"]
    form = SparePartAdminForm
    # Inline stock edit; each changed row is saved through services.sparepart_update (locked,
    # audited, refused when the stock moved since the list was opened).
    list_editable = ["stock"]
    help_texts = {
        "stock": "On the shelf now: an order takes from it, a cancel puts it back. Saved only if nobody "
        "changed it since this page was read.",
        "price": "Copied into each order line when the order is made; a later change leaves orders as made.",
        "category": "Optional; a category in use by a part cannot be deleted.",
    }
    list_filter = [StockLevelFilter, "category"]
    list_select_related = ["category"]
    search_fields = ["sku", "name"]
    autocomplete_fields = ["category"]
    refusal_fields = {
        InvalidSku: "sku",
        EmptySkuComponent: "sku",
        SparePartDuplicate: "sku",
        InvalidCategory: "category",
    }
    ordering = ["id"]
    fields = [
        "name",
        "sku",
        "category",
        "price",
        "stock",
        "min_stock",
        "created_at",
        "updated_at",
        "audit_trail",
    ]
    readonly_fields = ["created_at", "updated_at", "audit_trail"]
    actions = ["export_csv"]
    csv_name = "spare-parts"
    csv_columns = [
        ("id", lambda p: p.pk),
        ("sku", lambda p: p.sku),
        ("name", lambda p: p.name),
        ("category", lambda p: p.category.name if p.category else ""),
        ("price", lambda p: p.price),
        ("stock", lambda p: p.stock),
        ("min_stock", lambda p: p.min_stock),
    ]

    def get_changelist_form(self, request: HttpRequest, **kwargs: Any) -> type[forms.ModelForm]:
        # ModelAdmin builds the list's form from a plain ModelForm, not `form`.
        return super().get_changelist_form(request, form=SparePartAdminForm, **kwargs)

    def service_data(self, form: SparePartAdminForm, change: bool) -> dict[str, Any]:
        data = super().service_data(form, change)
        if change and "stock" in data:
            data["expected_stock"] = form.cleaned_data["expected_stock"]
        return data

    def get_queryset(self, request: HttpRequest) -> QuerySet[SparePart]:
        return selectors.sparepart_with_low_stock_flag(super().get_queryset(request))

    def autocomplete_label(self, obj: SparePart) -> str:
        """An order line's part choice says how many are left."""
        return f"{obj.sku} · {obj.name} · {obj.stock} in stock"

    @admin.display(description="level", ordering="stock")
    def stock_level(self, obj: SparePart) -> str:
        if obj.is_low_stock:
            return coloured(f"low ({obj.min_stock - obj.stock} short)", RED, dot=False)
        return coloured("ok", GREEN, dot=False)


# --- audit log ------------------------------------------------------------------------------------


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence: readable by whoever may view it, writable by nobody."""

    list_display = ["created_at", "actor", "action", "entity", "entity_id", "summary"]
    list_filter = ["action", "entity", ("created_at", DateRangeFilter)]
    search_fields = ["=entity_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ["created_at", "actor", "action", "entity", "entity_id", "changes"]
    readonly_fields = fields

    def lookup_allowed(self, lookup: str, value: str, request: HttpRequest | None = None) -> bool:
        # The change pages link here filtered by entity id.
        return lookup == "entity_id" or super().lookup_allowed(lookup, value, request)

    @admin.display(description="changes")
    def summary(self, obj: AuditLog) -> str:
        return summarize_changes(obj.changes)
