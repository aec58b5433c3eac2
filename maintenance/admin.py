"""Back office for spare parts, categories, service orders and the audit log. Every write goes
through maintenance.services, so the admin takes stock, audits and refuses exactly like the API."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from config.admin import (
    BLUE,
    GREEN,
    GREY,
    RED,
    CSVExportMixin,
    ReadOnlyAdminMixin,
    ServiceAdmin,
    StatusColourMixin,
    coloured,
)
from config.imports import ServiceImportMixin
from maintenance import selectors, services
from maintenance.choices import AuditEntity, OrderStatus
from maintenance.models import (
    AuditLog,
    Category,
    ServiceOrder,
    ServiceOrderImage,
    ServiceOrderItem,
    SparePart,
)
from maintenance.permissions import MaintenancePermissions
from maintenance.resources import SparePartResource

RECENT_AUDIT_ROWS = 10
STATUS_COLOURS = {
    OrderStatus.PENDING: GREY,
    OrderStatus.IN_PROGRESS: BLUE,
    OrderStatus.COMPLETED: GREEN,
    OrderStatus.CANCELLED: RED,
}


class AuditTrailMixin:
    """A read-only "audit trail" on the change page: the latest rows for this object and a link to all."""

    audit_entity: str = ""

    @admin.display(description="audit trail")
    def audit_trail(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "-"
        recent = selectors.audit_of(entity=self.audit_entity, entity_id=obj.pk)[:RECENT_AUDIT_ROWS]
        url = (
            reverse("admin:maintenance_auditlog_changelist")
            + "?"
            + urlencode({"entity__exact": self.audit_entity, "entity_id": str(obj.pk)})
        )
        lines = format_html_join(
            "",
            "<li>{} · {} · {} · <code>{}</code></li>",
            (
                (
                    row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
                    row.actor.username if row.actor else "system",
                    row.action,
                    summarize_changes(row.changes),
                )
                for row in recent
            ),
        )
        return format_html('<ul style="margin:0">{}</ul><a href="{}">all audit rows</a>', lines, url)


def summarize_changes(changes: dict[str, Any], limit: int = 160) -> str:
    text = "; ".join(f"{field}: {old!r} → {new!r}" for field, (old, new) in changes.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


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

    def get_queryset(self, request: HttpRequest) -> QuerySet[Category]:
        return selectors.category_with_part_count(super().get_queryset(request))

    @admin.display(description="parts", ordering="_part_count")
    def part_count(self, obj: Category) -> str:
        url = reverse("admin:maintenance_sparepart_changelist") + f"?category__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, obj._part_count)


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
    list_filter = [StockLevelFilter, "category"]
    list_select_related = ["category"]
    search_fields = ["sku", "name"]
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

    @admin.display(description="level", ordering="stock")
    def stock_level(self, obj: SparePart) -> str:
        if obj.is_low_stock:
            return coloured(f"low ({obj.min_stock - obj.stock} short)", RED, dot=False)
        return coloured("ok", GREEN, dot=False)


# --- orders ---------------------------------------------------------------------------------------
class ReadOnlyInline(ReadOnlyAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False


class ServiceOrderItemInline(ReadOnlyInline):
    model = ServiceOrderItem
    fields = ["spare_part", "quantity", "unit_price", "line_total"]
    readonly_fields = fields

    @admin.display(description="line total")
    def line_total(self, obj: ServiceOrderItem) -> Any:
        return obj.unit_price * obj.quantity


class ServiceOrderImageInline(ReadOnlyInline):
    model = ServiceOrderImage
    fields = ["thumbnail", "file_name", "content_type", "size", "created_at"]
    readonly_fields = fields

    @admin.display(description="image")
    def thumbnail(self, obj: ServiceOrderImage) -> str:
        url = obj.file.url
        return format_html(
            '<a href="{}" target="_blank">'
            '<img src="{}" alt="{}" style="max-height:80px;max-width:120px"></a>',
            url,
            url,
            obj.file_name,
        )


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdminMixin, StatusColourMixin, AuditTrailMixin, ServiceAdmin):
    """Orders are made through the API (stock moves with them); the admin moves their status and
    deletes them through the services."""

    read_only_can_delete = True
    status_colours = STATUS_COLOURS
    """Orders are made through the API (idempotent, stock-taking); here they are read, moved
    through the lifecycle with actions, and deleted once finished."""

    services = services
    entity = "order"
    audit_entity = AuditEntity.SERVICE_ORDER
    list_display = ["id", "request_id", "coloured_status", "total", "line_count", "created_by", "created_at"]
    list_filter = ["status", "created_at"]
    search_fields = ["=id", "=request_id"]
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ["request_id", "status", "total", "created_by", "created_at", "updated_at", "audit_trail"]
    readonly_fields = fields
    inlines = [ServiceOrderItemInline, ServiceOrderImageInline]
    actions = ["start_orders", "complete_orders", "cancel_orders"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceOrder]:
        return selectors.order_with_line_count(super().get_queryset(request))

    def has_transition_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MaintenancePermissions.TRANSITION_SERVICE_ORDER)

    @admin.display(description="lines", ordering="_line_count")
    def line_count(self, obj: ServiceOrder) -> int:
        return obj._line_count

    def _transition(
        self, request: HttpRequest, queryset: QuerySet[ServiceOrder], status: str, done: str
    ) -> None:
        self.run_service_action(
            request,
            queryset,
            lambda order: services.order_transition(order=order, status=status, actor=request.user),
            done=done,
        )

    @admin.action(description="Start selected orders (→ in progress)", permissions=["transition"])
    def start_orders(self, request: HttpRequest, queryset: QuerySet[ServiceOrder]) -> None:
        self._transition(request, queryset, OrderStatus.IN_PROGRESS, "started")

    @admin.action(description="Complete selected orders", permissions=["transition"])
    def complete_orders(self, request: HttpRequest, queryset: QuerySet[ServiceOrder]) -> None:
        self._transition(request, queryset, OrderStatus.COMPLETED, "completed")

    @admin.action(description="Cancel selected orders (stock goes back)", permissions=["transition"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[ServiceOrder]) -> None:
        self._transition(request, queryset, OrderStatus.CANCELLED, "cancelled")


# --- audit log ------------------------------------------------------------------------------------


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Evidence: readable by whoever may view it, writable by nobody."""

    list_display = ["created_at", "actor", "action", "entity", "entity_id", "summary"]
    list_filter = ["action", "entity", "created_at", "actor"]
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
