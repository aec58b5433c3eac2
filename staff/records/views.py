"""Staff records (`/users/`, `/users/{id}`) and job titles (jabatan: `/jabatan/`, `/jabatan/{id}`)."""

from __future__ import annotations

from config.api.filters import BoundedSearchFilter, SentFilterBackend
from config.api.viewsets import ServiceModelViewSet
from staff.exceptions import PositionNotFound, UserNotFound
from staff.filters import StaffFilter
from staff.models import Position, User
from staff.permissions import StaffPermissions
from staff.records import services as records
from staff.records.serializers import PositionSerializer, StaffSerializer


class PositionViewSet(ServiceModelViewSet):
    """Reading needs `staff.view_position` (every role); writes the add/change/delete permissions.
    PUT and PATCH change only the fields sent; deleting a position in use is a 409."""

    queryset = Position.objects.order_by("id")
    serializer_class = PositionSerializer
    filter_backends = [BoundedSearchFilter]
    search_fields = ["name"]
    action_perms = {"list": [StaffPermissions.VIEW_POSITION], "retrieve": [StaffPermissions.VIEW_POSITION]}
    not_found_error = PositionNotFound
    services = records
    entity = "position"
    partial_put = True


class StaffViewSet(ServiceModelViewSet):
    """Any authenticated user reads names and jabatan; personal data (address, phone, e-mail, role)
    needs `staff.view_personal_data` (or being that user); writes need the add/change/delete user
    permissions (Management), and a `role` in the body needs `staff.assign_role`. PUT and PATCH
    change only the fields sent."""

    queryset = User.objects.select_related("position").prefetch_related("groups").order_by("id")
    serializer_class = StaffSerializer
    filter_backends = [SentFilterBackend, BoundedSearchFilter]
    filterset_class = StaffFilter
    search_fields = ["full_name", "username"]
    not_found_error = UserNotFound
    services = records
    entity = "user"
    # The directory is every role's (Operator has no `staff.view_user`: that is the admin's user
    # pages, personal data included); every role has `staff.view_position`, a role-less account not.
    action_perms = {"list": [StaffPermissions.VIEW_POSITION], "retrieve": [StaffPermissions.VIEW_POSITION]}
    partial_put = True
