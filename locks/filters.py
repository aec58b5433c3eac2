from django_filters import rest_framework as filters

from config.api.filters import BoundedIntegerFilter, BoundedIsoDateTimeFilter, SearchTermsFilter
from locks.choices import LOG_SOURCE_CHOICES, LockStatus
from locks.models import Device, DeviceLog


class DeviceFilter(filters.FilterSet):
    """`?status=&type=&location=` (exact; location ignores case); `?search=` matches the name."""

    status = filters.ChoiceFilter(choices=LockStatus.choices)
    type = filters.CharFilter()
    location = filters.CharFilter(lookup_expr="iexact")
    # Checked here (400 for NUL, too many or too long terms); the view's SearchFilter matches.
    search = SearchTermsFilter()

    class Meta:
        model = Device
        fields = ["status", "type", "location"]


class DeviceLogFilter(filters.FilterSet):
    """A time range (`changed_after` inclusive, `changed_before` exclusive), the actor, the source."""

    changed_after = BoundedIsoDateTimeFilter(field_name="changed_at", lookup_expr="gte")
    changed_before = BoundedIsoDateTimeFilter(field_name="changed_at", lookup_expr="lt")
    actor = BoundedIntegerFilter(field_name="actor_id", help_text="User id of the authenticated actor.")
    actor_username = filters.CharFilter(field_name="actor__username", lookup_expr="iexact")
    source = filters.ChoiceFilter(choices=LOG_SOURCE_CHOICES)

    class Meta:
        model = DeviceLog
        fields = ["changed_after", "changed_before", "actor", "actor_username", "source"]
