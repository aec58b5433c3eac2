"""Job titles (jabatan): `/jabatan/`, `/jabatan/{id}`."""

from __future__ import annotations

from config.api.filters import BoundedSearchFilter
from config.api.viewsets import ServiceModelViewSet
from config.roles import Perm
from staff.exceptions import PositionNotFound
from staff.models import Position
from staff.serializers.positions import PositionSerializer
from staff.services import positions


class PositionViewSet(ServiceModelViewSet):
    """Reading needs `staff.view_position` (every role); writes the add/change/delete permissions.
    PUT and PATCH change only the fields sent; deleting a position in use is a 409."""

    queryset = Position.objects.order_by("id")
    serializer_class = PositionSerializer
    filter_backends = [BoundedSearchFilter]
    search_fields = ["name"]
    action_perms = {"list": [Perm.VIEW_POSITION], "retrieve": [Perm.VIEW_POSITION]}
    not_found_error = PositionNotFound
    services = positions
    entity = "position"
    partial_put = True
