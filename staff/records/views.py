"""Staff records: `/users/`, `/users/{id}`."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend

from config.api.filters import BoundedSearchFilter
from config.api.viewsets import ServiceModelViewSet
from staff.exceptions import StaffNotFound
from staff.filters import StaffFilter
from staff.models import User
from staff.serializers.records import StaffSerializer
from staff.services import records


class StaffViewSet(ServiceModelViewSet):
    """Any authenticated user reads names and jabatan; personal data (address, phone, e-mail, role)
    needs `staff.view_personal_data` (or being that user); writes need the add/change/delete user
    permissions (Management), and a `role` in the body needs `staff.assign_role`. PUT and PATCH
    change only the fields sent."""

    queryset = User.objects.select_related("position").prefetch_related("groups").order_by("id")
    serializer_class = StaffSerializer
    filter_backends = [DjangoFilterBackend, BoundedSearchFilter]
    filterset_class = StaffFilter
    search_fields = ["full_name", "username"]
    not_found_error = StaffNotFound
    services = records
    entity = "user"
    partial_put = True
