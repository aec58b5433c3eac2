"""Service orders in the admin, each role's part of the day through the API's services:

- an Operator creates an order with its lines (parts by autocomplete, labelled with their stock)
  and photos: `order_create` takes the stock once per request id (the form's prefilled one, so a
  second submit of the same form replays the order), `order_image_upload` sniffs and size-checks
  each photo, all in the admin's one transaction; an Operator's list opens on their own orders;
- a Supervisor moves an order from its own page, a button per transition its status allows
  (POST, through `order_transition`), or with the list's actions;
- Management deletes finished orders (`order_delete`).
"""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, QueryDict
from django.urls import path, reverse

from config.admin import BLUE, GREEN, GREY, RED, ServiceAdmin, StatusColourMixin
from config.errors import DomainError
from config.limits import MAX_BIGINT
from maintenance import selectors, services
from maintenance.admin_audit import AuditTrailMixin
from maintenance.admin_order_parts import CreatedByFilter, OrderImageInline, OrderLineInline
from maintenance.choices import ALLOWED_FROM, AuditEntity, OrderStatus
from maintenance.exceptions import (
    ImageTooLarge,
    InsufficientStock,
    InvalidImageType,
    InvalidOrderLine,
    OrderTotalTooLarge,
    SparePartsNotFound,
)
from maintenance.models import ServiceOrder
from maintenance.permissions import MaintenancePermissions
from maintenance.services.images import delete_files

STATUS_COLOURS = {
    OrderStatus.PENDING: GREY,
    OrderStatus.IN_PROGRESS: BLUE,
    OrderStatus.COMPLETED: GREEN,
    OrderStatus.CANCELLED: RED,
}
# The buttons on an order's page, in lifecycle order: (new status, label).
TRANSITION_BUTTONS = [
    (OrderStatus.IN_PROGRESS, "Start (→ in progress)"),
    (OrderStatus.COMPLETED, "Complete"),
    (OrderStatus.CANCELLED, "Cancel (stock goes back)"),
]
LINES_PREFIX = "items"  # the lines' formset prefix (ServiceOrderItem.order's related name)
IMAGES_PREFIX = "images"


def transitions_from(status: str) -> list[tuple[str, str]]:
    """The (new status, label) pairs an order in `status` may move to."""
    return [(new, label) for new, label in TRANSITION_BUTTONS if status in ALLOWED_FROM[new]]


class OrderForm(forms.ModelForm):
    request_id = forms.IntegerField(
        min_value=1,
        max_value=MAX_BIGINT,
        label="request id",
        help_text="Prefilled with a new number: submitting this same form again gives back the order "
        "it made instead of a second one.",
    )

    class Meta:
        model = ServiceOrder
        fields = ["request_id"]


@admin.register(ServiceOrder)
class ServiceOrderAdmin(StatusColourMixin, AuditTrailMixin, ServiceAdmin):
    services = services
    entity = "order"
    audit_entity = AuditEntity.SERVICE_ORDER
    status_colours = STATUS_COLOURS
    form = OrderForm
    list_display = ["id", "coloured_status", "parts", "total", "created_by", "created_at", "request_id"]
    list_filter = [CreatedByFilter, "status", "created_at"]
    search_fields = [
        "id__exact",
        "request_id__exact",
        "items__spare_part__sku",
        "items__spare_part__name",
        "created_by__username",
        "created_by__full_name",
    ]
    search_help_text = "Order or request id, a part's SKU or name, or the creator's username or name."
    list_select_related = ["created_by"]
    date_hierarchy = "created_at"
    ordering = ["-created_at", "-id"]
    fields = ["request_id", "status", "total", "created_by", "created_at", "updated_at", "audit_trail"]
    inlines = [OrderLineInline, OrderImageInline]
    actions = ["start_orders", "complete_orders", "cancel_orders"]
    refusal_fields = {
        InsufficientStock: LINES_PREFIX,
        SparePartsNotFound: LINES_PREFIX,
        InvalidOrderLine: LINES_PREFIX,
        OrderTotalTooLarge: LINES_PREFIX,
        InvalidImageType: IMAGES_PREFIX,
        ImageTooLarge: IMAGES_PREFIX,
    }

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceOrder]:
        return selectors.order_with_line_count(super().get_queryset(request))

    def changelist_view(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        # An Operator's plain list opens on the orders they created, as if `?created=mine` had been
        # asked (so the other filters' links keep it); a link with its own filters (the dashboard's)
        # counts every order.
        if request.method == "GET" and not request.GET and not self.has_transition_permission(request):
            request.GET = QueryDict(f"{CreatedByFilter.parameter_name}=mine")
        return super().changelist_view(request, extra_context)

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return OrderChangeList

    def get_fields(self, request: HttpRequest, obj: ServiceOrder | None = None) -> list[str]:
        # The add form asks only for the request id (the lines and photos are inlines); the change
        # page shows the order read-only (AuditTrailMixin drops the trail for who may not read it).
        return ["request_id"] if obj is None else super().get_fields(request, obj)

    def get_readonly_fields(self, request: HttpRequest, obj: ServiceOrder | None = None) -> list[str]:
        return [] if obj is None else self.get_fields(request, obj)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"request_id": secrets.randbelow(2**52) + 1}

    # --- who may do what: the API's permissions -------------------------------------------------
    def has_change_permission(self, request: HttpRequest, obj: ServiceOrder | None = None) -> bool:
        # An order's own fields are never edited here; "changing" an order is attaching photos.
        return request.user.has_perm(MaintenancePermissions.ADD_SERVICE_ORDER_IMAGE)

    def has_transition_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MaintenancePermissions.TRANSITION_SERVICE_ORDER)

    @admin.display(description="parts", ordering="_line_count")
    def parts(self, obj: ServiceOrder) -> str:
        """What the order is for, at a glance: each line's SKU and quantity."""
        lines = getattr(obj, "page_lines", None)
        if lines is None:
            return f"{obj._line_count} lines"
        return ", ".join(f"{line.spare_part.sku} \u00d7{line.quantity}" for line in lines)

    # --- writes: the order with its lines and photos, through the services ------------------------
    def save_model(self, request: HttpRequest, obj: ServiceOrder, form: Any, change: bool) -> None:
        """Nothing here: the order is made with its lines in `save_related`, where the lines are."""

    def save_related(self, request: HttpRequest, form: Any, formsets: list, change: bool) -> None:
        by_prefix = {formset.prefix: formset for formset in formsets}
        order: ServiceOrder = form.instance
        if not change:
            lines = [
                {"spare_part_id": line["spare_part"].pk, "quantity": line["quantity"]}
                for line in (f.cleaned_data for f in by_prefix[LINES_PREFIX].forms)
                if line.get("spare_part") is not None
            ]
            creation = services.order_create(
                request_id=form.cleaned_data["request_id"], items=lines, actor=request.user
            )
            for field in ServiceOrder._meta.concrete_fields:
                setattr(order, field.attname, getattr(creation.order, field.attname))
            order._state.adding = False
            order._state.db = creation.order._state.db
            if not creation.created:
                self.message_user(
                    request,
                    f"This form had already made order {order.pk} (request id {order.request_id}): "
                    "nothing was ordered twice, and its photos were not added again.",
                    messages.WARNING,
                )
                return
        photos = by_prefix.get(IMAGES_PREFIX)
        if photos is not None:
            self._attach_photos(request, order, photos)

    def construct_change_message(self, request: HttpRequest, form: Any, formsets: list, add: bool) -> list:
        # The formsets were read, not saved (the services wrote the lines and photos): no per-row entries.
        return super().construct_change_message(request, form, [], add)

    def _attach_photos(self, request: HttpRequest, order: ServiceOrder, photos: Any) -> None:
        uploads = [f.cleaned_data["file"] for f in photos.extra_forms if f.cleaned_data.get("file")]
        stored: list[str] = []
        try:
            for upload in uploads:
                image = services.order_image_upload(order_id=order.pk, upload=upload, actor=request.user)
                stored.append(image.file.name)
        except BaseException:
            # The rows roll back with the admin's transaction; the stored files are removed here.
            delete_files(stored)
            raise

    # --- the lifecycle: buttons on the order's page, and list actions ----------------------------
    def get_urls(self) -> list:
        opts = self.opts
        transition = path(
            "<path:object_id>/transition/",
            self.admin_site.admin_view(self.transition_view),
            name=f"{opts.app_label}_{opts.model_name}_transition",
        )
        return [transition, *super().get_urls()]

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None
    ) -> HttpResponse:
        extra_context = dict(extra_context or {})
        status = selectors.order_status(order_id=_int_or_none(unquote(object_id)) or 0)
        if status is not None and self.has_transition_permission(request):
            extra_context["transitions"] = transitions_from(status)
            extra_context["transition_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_transition", args=[object_id]
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def transition_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST `status=<new status>`: one order moved through `order_transition`."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_transition_permission(request):
            raise PermissionDenied("Moving an order through its lifecycle needs the Supervisor role.")
        order = self.get_object(request, unquote(object_id))
        if order is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        status = request.POST.get("status", "")
        try:
            moved = services.order_transition(order=order, status=status, actor=request.user)
        except DomainError as exc:
            self.message_user(request, f"Not changed: {exc.detail}", messages.ERROR)
        else:
            self.message_user(request, f"Order {moved.pk} is now {moved.get_status_display().lower()}.")
        return HttpResponseRedirect(
            reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[object_id])
        )

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


class OrderChangeList(ChangeList):
    """The list's "parts" column: every line of the page's orders, with its part, in one query."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        orders = list(self.result_list)
        lines = selectors.order_lines_of(order_ids=[order.pk for order in orders])
        for order in orders:
            order.page_lines = lines.get(order.pk, [])
        self.result_list = orders


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 19 else None
