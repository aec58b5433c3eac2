"""The parts of an order's admin page: its lines (typed on the add form, then read-only with the
stock left of each part), its photos (new ones go through `order_image_upload` in
`ServiceOrderAdmin.save_related`), and the "created by" filter an Operator's list opens on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from maintenance.models import ServiceOrder, ServiceOrderImage, ServiceOrderItem
from maintenance.permissions import MaintenancePermissions
from maintenance.services.orders import MAX_QUANTITY


class OrderLineForm(forms.ModelForm):
    quantity = forms.IntegerField(min_value=1, max_value=MAX_QUANTITY)

    class Meta:
        model = ServiceOrderItem
        fields = ["spare_part", "quantity"]


class OrderLineInline(admin.TabularInline):
    """The lines: typed on the add form (then never edited: the stock moved with them), shown with
    their price and the stock left of each part."""

    model = ServiceOrderItem
    form = OrderLineForm
    autocomplete_fields = ["spare_part"]
    readonly_fields = ["stock_left", "unit_price", "line_total"]
    extra = 0
    can_delete = False
    verbose_name = "line"
    verbose_name_plural = "lines (parts and quantities)"

    def get_fields(self, request: HttpRequest, obj: ServiceOrder | None = None) -> list[str]:
        if obj is None:
            return ["spare_part", "quantity", "stock_left"]
        return ["spare_part", "quantity", "unit_price", "line_total", "stock_left"]

    def get_extra(self, request: HttpRequest, obj: ServiceOrder | None = None, **kwargs: Any) -> int:
        return 2 if obj is None else 0

    def get_formset(self, request: HttpRequest, obj: ServiceOrder | None = None, **kwargs: Any):
        # An order has at least one line: said on the form, before the service is asked.
        kwargs.setdefault("min_num", 1 if obj is None else 0)
        kwargs.setdefault("validate_min", obj is None)
        return super().get_formset(request, obj, **kwargs)

    def has_add_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return obj is None and request.user.has_perm(MaintenancePermissions.ADD_SERVICE_ORDER)

    def has_change_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return False

    @admin.display(description="in stock now")
    def stock_left(self, line: ServiceOrderItem) -> Any:
        return line.spare_part.stock

    @admin.display(description="line total")
    def line_total(self, line: ServiceOrderItem) -> Any:
        return line.unit_price * line.quantity


class OrderImageForm(forms.ModelForm):
    file = forms.FileField(
        required=False,
        label="photo",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="JPEG, PNG or WebP; the type is read from the file itself.",
    )

    class Meta:
        model = ServiceOrderImage
        fields = ["file"]


class OrderImageInline(admin.TabularInline):
    """The photos: stored ones with a thumbnail; new ones go through `order_image_upload`."""

    model = ServiceOrderImage
    form = OrderImageForm
    fields = ["file", "thumbnail", "content_type", "size", "created_at"]
    readonly_fields = ["thumbnail", "content_type", "size", "created_at"]
    extra = 1
    can_delete = False
    verbose_name = "photo"
    verbose_name_plural = "photos"

    def get_fields(self, request: HttpRequest, obj: ServiceOrder | None = None) -> list[str]:
        return self.fields if obj is not None else ["file"]

    def has_add_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return request.user.has_perm(MaintenancePermissions.ADD_SERVICE_ORDER_IMAGE)

    def has_change_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        return False

    @admin.display(description="image")
    def thumbnail(self, image: ServiceOrderImage) -> str:
        if not image.pk:
            return "-"
        url = image.file.url
        return format_html(
            '<a href="{}" target="_blank">'
            '<img src="{}" alt="{}" style="max-height:80px;max-width:120px"></a>',
            url,
            url,
            image.file_name,
        )


class CreatedByFilter(admin.SimpleListFilter):
    """Whose orders: "Me" is where an Operator's list opens (ServiceOrderAdmin.changelist_view)."""

    title = "created by"
    parameter_name = "created"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("mine", "Me")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ServiceOrder]) -> QuerySet[ServiceOrder]:
        return queryset.filter(created_by=request.user) if self.value() == "mine" else queryset
