"""The maintenance panels of the admin dashboard (config.dashboard): orders by status, and the
parts below their minimum stock (maintenance.selectors.LOW_STOCK)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from config.dashboard import (
    ALERT,
    NORMAL,
    WARN,
    Figure,
    PanelBody,
    Row,
    change_url,
    changelist_url,
    register_panel,
)
from maintenance import selectors
from maintenance.choices import OrderStatus
from maintenance.permissions import MaintenancePermissions

# The parts listed under the low-stock figure, most short first; the figure opens them all.
LOW_STOCK_ROWS = 5


@register_panel(
    "maintenance.orders",
    title=gettext_lazy("Service orders"),
    permissions=[MaintenancePermissions.VIEW_SERVICE_ORDER],
    order=30,
)
def orders_by_status(*, now: datetime) -> PanelBody:
    """One figure per order status, each opening the order list filtered by it."""
    counts = selectors.order_count_by_status()
    return PanelBody(
        figures=[
            Figure(
                key=status.value,
                label=status.label,
                value=counts[status.value],
                url=changelist_url("maintenance.serviceorder", status__exact=status.value),
            )
            for status in OrderStatus
        ]
    )


@register_panel(
    "maintenance.low_stock",
    title=gettext_lazy("Spare parts"),
    permissions=[MaintenancePermissions.VIEW_SPARE_PART],
    order=40,
)
def parts_low_on_stock(*, now: datetime) -> PanelBody:
    """How many parts are below their minimum, and the shortest few with their stock."""
    low = selectors.sparepart_low_stock()
    count = low.count()
    shortest = list(low[:LOW_STOCK_ROWS]) if count else []
    return PanelBody(
        figures=[
            Figure(
                key="low_stock",
                label=_("Below minimum stock"),
                value=count,
                url=changelist_url("maintenance.sparepart", stock_level="low"),
                tone=WARN if count else NORMAL,
            )
        ],
        columns=(_("Part"), _("SKU"), _("Stock"), _("Minimum")),
        rows=[
            Row(
                cells=(part.name, part.sku, str(part.stock), str(part.min_stock)),
                url=change_url("maintenance.sparepart", part.pk),
                tone=ALERT if part.stock == 0 else WARN,
            )
            for part in shortest
        ],
    )
