from django.db.models import F
from django_filters import rest_framework as filters

from maintenance.choices import AuditAction, AuditEntity, OrderStatus
from maintenance.models import AuditLog, ServiceOrder, SparePart


class SparePartFilter(filters.FilterSet):
    """`?category_id=`; `?low_stock=true` keeps parts below their own minimum."""

    category_id = filters.NumberFilter(field_name="category_id")
    low_stock = filters.BooleanFilter(method="filter_low_stock")

    class Meta:
        model = SparePart
        fields = ["category_id", "low_stock"]

    def filter_low_stock(self, queryset, name, value):
        if value is None:
            return queryset
        return (
            queryset.filter(stock__lt=F("min_stock")) if value else queryset.filter(stock__gte=F("min_stock"))
        )


class ServiceOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=OrderStatus.choices)
    request_id = filters.NumberFilter()

    class Meta:
        model = ServiceOrder
        fields = ["status", "request_id"]


class AuditLogFilter(filters.FilterSet):
    """`?entity=&entity_id=&actor=` (user id), plus `?action=` and a time range."""

    entity = filters.ChoiceFilter(choices=AuditEntity.choices)
    entity_id = filters.CharFilter()
    actor = filters.NumberFilter(field_name="actor_id", help_text="User id of the authenticated actor.")
    action = filters.ChoiceFilter(choices=AuditAction.choices)
    created_after = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")

    class Meta:
        model = AuditLog
        fields = ["entity", "entity_id", "actor", "action", "created_after", "created_before"]
