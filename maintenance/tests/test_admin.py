"""The admin through the logged-in test client: pages render, and every write goes through a service."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from maintenance import services
from maintenance.models import AuditLog, Category, ServiceOrderImage, SparePart
from maintenance.tests.conftest import PNG, upload
from maintenance.tests.factories import CategoryFactory, SparePartFactory
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user():
    return UserFactory(is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_every_changelist_and_add_page_renders(admin_client, order):
    for name in ["category", "sparepart", "serviceorder", "auditlog"]:
        assert admin_client.get(reverse(f"admin:maintenance_{name}_changelist")).status_code == 200, name
    for name in ["category", "sparepart"]:
        assert admin_client.get(reverse(f"admin:maintenance_{name}_add")).status_code == 200, name


def test_parts_low_stock_filter(admin_client):
    SparePartFactory(sku="LOW-A-B-C", stock=1, min_stock=5)
    SparePartFactory(sku="OKK-A-B-C", stock=9, min_stock=5)
    url = reverse("admin:maintenance_sparepart_changelist")
    response = admin_client.get(url, {"stock_level": "low"})
    assert "LOW-A-B-C" in response.text and "OKK-A-B-C" not in response.text
    assert "4 short" in response.text


def test_inline_stock_edit_goes_through_the_service(admin_client, admin_user):
    part = SparePartFactory(stock=3)
    url = reverse("admin:maintenance_sparepart_changelist")
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(part.pk),
        "form-0-stock": "12",
        "_save": "Save",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content
    part.refresh_from_db()
    assert part.stock == 12
    row = AuditLog.objects.get(entity="spare_part", entity_id=str(part.pk), action="update")
    assert (row.actor, row.changes) == (admin_user, {"stock": [3, 12]})


def test_part_add_form_uses_the_service_rules(admin_client):
    url = reverse("admin:maintenance_sparepart_add")
    data = {"name": "Bolt", "sku": "BAD", "price": "1.00", "stock": "1", "min_stock": "0", "category": ""}
    response = admin_client.post(url, data)
    assert response.status_code == 302
    assert any("Invalid SKU format" in m for m in messages_of(response))
    assert not SparePart.objects.exists()
    data["sku"] = "BLT-STL-M8-50"
    assert admin_client.post(url, data).status_code == 302
    assert AuditLog.objects.filter(entity="spare_part", action="create").count() == 1


def test_csv_export(admin_client):
    part = SparePartFactory(sku="=CMD-A-B-C", name="Bolt", stock=4)
    response = admin_client.post(
        reverse("admin:maintenance_sparepart_changelist"),
        {"action": "export_csv", "_selected_action": [part.pk]},
    )
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().splitlines()
    assert lines[0] == "id,sku,name,category,price,stock,min_stock"
    assert lines[1].startswith(f"{part.pk},'=CMD-A-B-C,Bolt,,1.50,4,0")


def test_categories_show_part_counts_and_refuse_deleting_used_ones(admin_client):
    category = CategoryFactory(name="Fasteners")
    SparePartFactory(category=category)
    response = admin_client.get(reverse("admin:maintenance_category_changelist"))
    assert f"?category__id__exact={category.pk}" in response.text
    # Django's own PROTECT check refuses first (the service would too: 409 in the API).
    response = admin_client.post(
        reverse("admin:maintenance_category_delete", args=[category.pk]), {"post": "yes"}
    )
    assert "protected related objects" in response.text
    assert Category.objects.filter(pk=category.pk).exists()


def test_category_change_page_shows_its_audit_trail(admin_client, admin_user):
    category = services.category_create(name="Bearings", actor=admin_user)
    response = admin_client.get(reverse("admin:maintenance_category_change", args=[category.pk]))
    assert "audit trail" in response.text.lower()
    assert "all audit rows" in response.text
    assert admin_user.username in response.text


def test_order_page_has_items_and_image_thumbnails(admin_client, order, fs_storage):
    services.order_image_upload(order_id=order.pk, upload=upload(PNG, "pump.png"), actor=None)
    response = admin_client.get(reverse("admin:maintenance_serviceorder_change", args=[order.pk]))
    assert response.status_code == 200
    image = ServiceOrderImage.objects.get()
    assert f'<img src="/media/{image.file.name}"' in response.text
    assert "BLT-STL-M8-50" in response.text


def test_lifecycle_actions_go_through_the_service(admin_client, order, part):
    url = reverse("admin:maintenance_serviceorder_changelist")
    response = admin_client.post(url, {"action": "complete_orders", "_selected_action": [order.pk]})
    assert any("1 refused" in m for m in messages_of(response))
    admin_client.post(url, {"action": "cancel_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    part.refresh_from_db()
    assert (order.status, part.stock) == ("cancelled", 10)


def test_lifecycle_actions_need_the_transition_permission(client, order):
    from config.roles import Role

    operator = UserFactory(role=Role.OPERATOR, is_staff=True)
    client.force_login(operator)
    response = client.get(reverse("admin:maintenance_serviceorder_changelist"))
    assert response.status_code == 200
    assert "cancel_orders" not in response.text


def test_audit_log_is_read_only(admin_client, order):
    row = AuditLog.objects.first()
    assert admin_client.get(reverse("admin:maintenance_auditlog_add")).status_code == 403
    response = admin_client.get(reverse("admin:maintenance_auditlog_change", args=[row.pk]))
    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    filtered = admin_client.get(
        reverse("admin:maintenance_auditlog_changelist"),
        {"entity__exact": "service_order", "entity_id": order.pk},
    )
    assert filtered.status_code == 200
