"""Query filters for the staff records list (`GET /users/?id_jabatan=&is_active=&department=`)."""

from __future__ import annotations

import django_filters

from config.api.filters import BoundedIntegerFilter, StrictBooleanFilter
from staff.models import User


class StaffFilter(django_filters.FilterSet):
    """Filter names follow the API's field names; name search is `?search=` (SearchFilter)."""

    id_jabatan = BoundedIntegerFilter(field_name="position_id")
    jabatan = django_filters.CharFilter(
        field_name="position__name", lookup_expr="iexact", help_text="Exact jabatan name (any case)."
    )
    is_active = StrictBooleanFilter(help_text="`true` or `false` (`1`/`0`); anything else is a 400.")
    department = django_filters.CharFilter(lookup_expr="iexact", help_text="Department (any case).")

    class Meta:
        model = User
        fields = ["id_jabatan", "jabatan", "is_active", "department"]
