"""Every write leaves audit rows (who, when, what, old → new), in the same transaction; the API reads them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from maintenance import services
from maintenance.models import AuditLog
from maintenance.tests.conftest import PNG, upload
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db


def rows(entity: str, entity_id) -> list[AuditLog]:
    return list(AuditLog.objects.filter(entity=entity, entity_id=str(entity_id)).order_by("id"))


def test_category_create_update_delete(supervisor, manager):
    category = services.category_create(name="Bearings", description="", actor=supervisor)
    services.category_update(category=category, name="Ball bearings", actor=supervisor)
    services.category_update(category=category, name="Ball bearings", actor=supervisor)  # no change, no row
    services.category_delete(category=category, actor=manager)
    created, updated, deleted = rows("category", category.pk)
    assert (created.action, created.actor, created.changes["name"]) == (
        "create",
        supervisor,
        [None, "Bearings"],
    )
    assert (updated.action, updated.changes) == ("update", {"name": ["Bearings", "Ball bearings"]})
    assert (deleted.action, deleted.actor, deleted.changes["name"]) == (
        "delete",
        manager,
        ["Ball bearings", None],
    )


def test_part_update_records_old_and_new(supervisor):
    part = services.sparepart_create(name="Bolt", sku="A-B-C-D", price="1.00", stock=5, actor=supervisor)
    services.sparepart_update(sparepart=part, price="1.25", stock=9, actor=supervisor)
    created, updated = rows("spare_part", part.pk)
    assert created.changes["sku"] == [None, "A-B-C-D"]
    assert updated.changes == {"price": ["1.00", "1.25"], "stock": [5, 9]}


def test_order_create_records_the_order_and_each_stock_move(operator, supervisor):
    a, b = SparePartFactory(stock=10, price="2.00"), SparePartFactory(stock=4, price="0.50")
    order = services.order_create(
        request_id=1,
        items=[{"spare_part_id": a.pk, "quantity": 3}, {"spare_part_id": b.pk, "quantity": 4}],
        actor=operator,
    ).order
    [created] = rows("service_order", order.pk)
    assert created.actor == operator
    assert created.changes["total"] == [None, "8.00"]
    assert created.changes["items"] == [None, [[a.pk, 3, "2.00"], [b.pk, 4, "0.50"]]]
    assert rows("spare_part", a.pk)[-1].changes == {"stock": [10, 7], "order": [None, order.pk]}
    assert rows("spare_part", b.pk)[-1].changes == {"stock": [4, 0], "order": [None, order.pk]}
    services.order_transition(order=order, status="cancelled", actor=supervisor)
    assert rows("service_order", order.pk)[-1].changes == {"status": ["pending", "cancelled"]}
    assert rows("spare_part", a.pk)[-1].changes == {"stock": [7, 10], "order": [order.pk, None]}


def test_a_refused_change_leaves_no_audit_row(operator):
    part = SparePartFactory(stock=1)
    before = AuditLog.objects.count()
    with pytest.raises(Exception, match="Insufficient stock"):
        services.order_create(request_id=1, items=[{"spare_part_id": part.pk, "quantity": 2}], actor=operator)
    assert AuditLog.objects.count() == before


def test_image_upload_and_order_delete_are_recorded(auth_client, operator, manager, order, fs_storage):
    client = auth_client(operator)
    image_id = client.post(
        reverse("maintenance-order-image", args=[order.pk]),
        {"file": upload(PNG, "a.png")},
        format="multipart",
    ).json()["id"]
    [created] = rows("service_order_image", image_id)
    assert (created.actor, created.changes["file_name"]) == (operator, [None, "a.png"])
    services.order_transition(order=order, status="cancelled", actor=manager)
    stored = created.changes["file"][1]
    assert (fs_storage / stored).exists()
    services.order_delete(order=order, actor=manager)
    assert rows("service_order", order.pk)[-1].action == "delete"
    assert rows("service_order_image", image_id)[-1].action == "delete"


def test_api_writes_record_the_authenticated_user(auth_client, supervisor):
    client = auth_client(supervisor)
    category_id = client.post("/api/v1/categories/", {"name": "Electrical"}, format="json").json()["id"]
    [row] = rows("category", category_id)
    assert row.actor_id == supervisor.pk


def test_audit_endpoint_filters_and_needs_supervisor(auth_client, supervisor, operator):
    category = CategoryFactory()
    services.category_update(category=category, description="x", actor=supervisor)
    part = services.sparepart_create(name="Bolt", sku="A-B-C-D", price="1", actor=operator)
    client = auth_client(supervisor)
    url = reverse("maintenance-audit-list")
    assert auth_client(operator).get(url).status_code == 403
    response = client.get(url, {"entity": "spare_part", "entity_id": part.pk})
    assert response.status_code == 200
    [row] = response.json()
    assert set(row) == {"id", "created_at", "actor_id", "actor", "action", "entity", "entity_id", "changes"}
    assert (row["action"], row["actor"], row["entity_id"]) == ("create", operator.username, str(part.pk))
    assert [r["entity"] for r in client.get(url, {"actor": supervisor.pk}).json()] == ["category"]
    assert client.get(url, {"entity": "bogus"}).status_code == 400
