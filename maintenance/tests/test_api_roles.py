"""Roles per endpoint through the shared API test cases: everyone reads; Operator orders and uploads;
Supervisor manages categories and parts and moves orders; Management deletes."""

from __future__ import annotations

import pytest
from django.urls import reverse

from config.roles import Role
from config.testing import AUTHENTICATED, APIViewTestCases, make_user
from maintenance import services
from maintenance.choices import AuditEntity
from maintenance.models import AuditLog, Category, ServiceOrder, SparePart
from maintenance.permissions import MaintenancePermissions
from maintenance.serializers import OrderSerializer
from maintenance.tests.conftest import PNG, upload
from maintenance.tests.factories import CategoryFactory, SparePartFactory

_AUDIT_ACTION = {"create": "create", "update": "update", "destroy": "delete", "transition": "update"}


class _Audited:
    """Every write leaves an AuditLog row naming the actor (maintenance's change history)."""

    audit_entity: str

    def history_entry(self, pk, action: str, actor) -> bool:
        return AuditLog.objects.filter(
            entity=self.audit_entity, entity_id=str(pk), action=_AUDIT_ACTION[action], actor=actor
        ).exists()


class TestCategoryRoles(_Audited, APIViewTestCases.ReadWrite):
    audit_entity = AuditEntity.CATEGORY
    basename = "maintenance-category"
    model = Category
    roles = {
        "list": MaintenancePermissions.VIEW_CATEGORY.role,
        "retrieve": MaintenancePermissions.VIEW_CATEGORY.role,
        "create": MaintenancePermissions.ADD_CATEGORY.role,
        "update": MaintenancePermissions.CHANGE_CATEGORY.role,
        "destroy": MaintenancePermissions.DELETE_CATEGORY.role,
    }

    def make_object(self) -> Category:
        return CategoryFactory()

    def create_data(self) -> dict:
        return {"name": "Pneumatics", "description": "Air"}

    def update_data(self, obj: Category) -> dict:
        return {"description": "Changed"}


class TestSparePartRoles(_Audited, APIViewTestCases.ReadWrite):
    audit_entity = AuditEntity.SPARE_PART
    basename = "maintenance-item"
    model = SparePart
    lookup_kwarg = "sku"
    roles = {
        "list": MaintenancePermissions.VIEW_SPARE_PART.role,
        "retrieve": MaintenancePermissions.VIEW_SPARE_PART.role,
        "create": MaintenancePermissions.ADD_SPARE_PART.role,
        "update": MaintenancePermissions.CHANGE_SPARE_PART.role,
        "destroy": MaintenancePermissions.DELETE_SPARE_PART.role,
    }

    def lookup(self, obj: SparePart) -> str:
        return obj.sku

    def make_object(self) -> SparePart:
        return SparePartFactory()

    def create_data(self) -> dict:
        return {"name": "Washer", "sku": "WSH-STL-M8-2", "price": "0.05", "stock": 10}

    def update_data(self, obj: SparePart) -> dict:
        return {"stock": obj.stock + 1}


def _order(status: str = "cancelled") -> ServiceOrder:
    part = SparePartFactory()
    order = services.order_create(
        request_id=ServiceOrder.objects.count() + 1,
        items=[{"spare_part_id": part.pk, "quantity": 1}],
        actor=None,
    ).order
    if status != "pending":
        services.order_transition(order=order, status=status, actor=None)
    return order


class TestServiceOrderRoles(
    _Audited,
    APIViewTestCases.List,
    APIViewTestCases.Retrieve,
    APIViewTestCases.Create,
    APIViewTestCases.Delete,
):
    audit_entity = AuditEntity.SERVICE_ORDER
    basename = "maintenance-order"
    model = ServiceOrder
    roles = {
        "list": MaintenancePermissions.VIEW_SERVICE_ORDER.role,
        "retrieve": MaintenancePermissions.VIEW_SERVICE_ORDER.role,
        "create": MaintenancePermissions.ADD_SERVICE_ORDER.role,
        "destroy": MaintenancePermissions.DELETE_SERVICE_ORDER.role,
    }

    def make_object(self) -> ServiceOrder:
        return _order("cancelled")

    def create_data(self) -> dict:
        part = SparePartFactory()
        return {
            "request_id": 9000 + SparePart.objects.count(),
            "items": [{"spare_part_id": part.pk, "quantity": 1}],
        }


class TestServiceOrderTransitionRoles(_Audited, APIViewTestCases.Action):
    basename = "maintenance-order"
    model = ServiceOrder
    audit_entity = AuditEntity.SERVICE_ORDER
    action_name = "transition"
    action_serializer = OrderSerializer
    roles = {"transition": MaintenancePermissions.TRANSITION_SERVICE_ORDER.role}

    def make_object(self) -> ServiceOrder:
        return _order("pending")

    def action_data(self, obj: ServiceOrder) -> dict:
        return {"status": "in_progress"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "expected"), [(AUTHENTICATED, 403), (Role.OPERATOR, 403), (Role.SUPERVISOR, 200)]
)
def test_transition_needs_supervisor(auth_client, role, expected):
    order = _order("pending")
    url = reverse("maintenance-order-transition", args=[order.pk])
    assert (
        auth_client(make_user(role)).post(url, {"status": "in_progress"}, format="json").status_code
        == expected
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "expected"), [(AUTHENTICATED, 403), (Role.OPERATOR, 201)])
def test_image_upload_needs_operator(auth_client, fs_storage, role, expected):
    order = _order("pending")
    url = reverse("maintenance-order-image", args=[order.pk])
    assert (
        auth_client(make_user(role)).post(url, {"file": upload(PNG)}, format="multipart").status_code
        == expected
    )


@pytest.mark.django_db
def test_every_role_reads_images_and_role_less_or_anonymous_callers_nothing(auth_client, api_client):
    order = _order("pending")
    url = reverse("maintenance-order-images", args=[order.pk])
    assert auth_client(make_user(Role.OPERATOR)).get(url).status_code == 200
    assert auth_client(make_user(AUTHENTICATED)).get(url).status_code == 403
    assert api_client.get(url).status_code == 401
    assert api_client.get(reverse("maintenance-audit-list")).status_code == 401
