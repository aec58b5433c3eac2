"""Query filters of the maintenance lists, built from the project's strict ones (config.api.filters):
a value a column cannot hold or that is not what the parameter means is a 400, never "no filter",
a rounded value or a 500."""

from django_filters import rest_framework as filters

from config.api.filters import BoundedIntegerFilter, BoundedIsoDateTimeFilter, StrictBooleanFilter
from maintenance import selectors
from maintenance.choices import AuditAction, AuditEntity, OrderStatus
from maintenance.models import AuditLog, ServiceOrder, SparePart


class SparePartFilter(filters.FilterSet):
    """`?category_id=` (a whole id); `?low_stock=true` keeps parts below their own minimum."""

    category_id = BoundedIntegerFilter(field_name="category_id")
    low_stock = StrictBooleanFilter(
        method="filter_low_stock", help_text="`true` or `false` (`1`/`0`); anything else is a 400."
    )

    class Meta:
        model = SparePart
        fields = ["category_id", "low_stock"]

    def filter_low_stock(self, queryset, name, value):
        if value is None:
            return queryset
        return selectors.sparepart_filter_low_stock(queryset, low=value)


class ServiceOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    request_id = BoundedIntegerFilter(help_text="The client's request id (a positive integer).")

    class Meta:
        model = ServiceOrder
        fields = ["status", "request_id"]


class AuditLogFilter(filters.FilterSet):
    """`?entity=&entity_id=&actor=` (user id), plus `?action=` and a time range (any ISO 8601
    offset, compared in UTC; outside years 1-9999 once in UTC is a 400)."""

    entity = filters.ChoiceFilter(choices=AuditEntity.choices)
    entity_id = filters.CharFilter(max_length=64)
    actor = BoundedIntegerFilter(field_name="actor_id", help_text="User id of the authenticated actor.")
    action = filters.ChoiceFilter(choices=AuditAction.choices)
    created_after = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = BoundedIsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["entity", "entity_id", "actor", "action", "created_after", "created_before"]
