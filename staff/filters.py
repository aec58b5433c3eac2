"""Query filters for the staff records list (`GET /users/?id_jabatan=&is_active=&department=`)."""

from __future__ import annotations

import django_filters

from staff.models import User


class StaffFilter(django_filters.FilterSet):
    """Filter names follow the API's field names; name search is `?search=` (SearchFilter)."""

    id_jabatan = django_filters.NumberFilter(field_name="position_id", min_value=1, max_value=2**63 - 1)
    jabatan = django_filters.CharFilter(
        field_name="position__name", lookup_expr="iexact", help_text="Exact jabatan name (any case)."
    )
    is_active = django_filters.BooleanFilter()
    department = django_filters.CharFilter(lookup_expr="iexact", help_text="Department (any case).")

    class Meta:
        model = User
        fields = ["id_jabatan", "jabatan", "is_active", "department"]
