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


def list_save(*rows: tuple[SparePart, object, object]) -> dict[str, str]:
    """The changelist's POST: for each row (part, stock read when the list was opened, stock typed)."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "_save": "Save",
    }
    for i, (part, read, typed) in enumerate(rows):
        data[f"form-{i}-id"] = str(part.pk)
        data[f"form-{i}-stock"] = str(typed)
        if read is not None:
            data[f"initial-form-{i}-stock"] = str(read)
    return data


def take(part: SparePart, quantity: int) -> None:
    services.order_create(
        request_id=part.pk, items=[{"spare_part_id": part.pk, "quantity": quantity}], actor=None
    )


def test_inline_stock_edit_goes_through_the_service(admin_client, admin_user):
    part = SparePartFactory(stock=3)
    url = reverse("admin:maintenance_sparepart_changelist")
    # The list renders the stock it was read at beside the input, and posts it back.
    assert 'name="initial-form-0-stock" value="3"' in admin_client.get(url).text
    data = list_save((part, 3, 12))
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content
    part.refresh_from_db()
    assert part.stock == 12
    row = AuditLog.objects.get(entity="spare_part", entity_id=str(part.pk), action="update")
    assert (row.actor, row.changes) == (admin_user, {"stock": [3, 12]})


def test_a_stale_list_save_is_refused_and_the_orders_stock_stays(admin_client):
    """List opened at 320, an order takes 5 (315), the editor saves 330 from the old list: refused
    with a message, and the stock stays what the order left."""
    part = SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", stock=320)
    other = SparePartFactory(stock=10)
    take(part, 5)
    url = reverse("admin:maintenance_sparepart_changelist")
    response = admin_client.post(url, list_save((part, 320, 330), (other, 10, 12)))
    assert response.status_code == 302
    [message] = messages_of(response)
    assert message == (
        "Not saved: the stock of Hex bolt (BLT-STL-M8-50) changed while you were editing it "
        "(you read 320, it is now 315). Review the current stock and save again."
    )
    part.refresh_from_db()
    other.refresh_from_db()
    # One transaction for the whole list: the other row is not half-saved either.
    assert (part.stock, other.stock) == (315, 10)
    assert not AuditLog.objects.filter(entity="spare_part", actor__isnull=False).exists()


def test_an_untouched_row_of_a_stale_list_is_not_written_back(admin_client):
    """The list is saved for another row: the row the editor did not touch keeps the order's stock."""
    part = SparePartFactory(stock=320)
    other = SparePartFactory(stock=10)
    take(part, 5)
    url = reverse("admin:maintenance_sparepart_changelist")
    response = admin_client.post(url, list_save((part, 320, 320), (other, 10, 12)))
    assert response.status_code == 302
    part.refresh_from_db()
    other.refresh_from_db()
    assert (part.stock, other.stock) == (315, 12)


def test_a_list_save_without_the_read_stock_is_refused(admin_client):
    part = SparePartFactory(stock=3)
    response = admin_client.post(
        reverse("admin:maintenance_sparepart_changelist"), list_save((part, None, 12))
    )
    assert response.status_code == 200
    assert "Reload the page" in response.text
    part.refresh_from_db()
    assert part.stock == 3


def change_form_data(part: SparePart, **changes) -> dict[str, str]:
    data = {
        "name": part.name,
        "sku": part.sku,
        "category": "",
        "price": str(part.price),
        "stock": str(part.stock),
        "initial-stock": str(part.stock),
        "min_stock": str(part.min_stock),
    }
    data.update({k: str(v) for k, v in changes.items()})
    return data


def test_the_change_form_refuses_a_stale_stock_and_keeps_other_edits_safe(admin_client):
    part = SparePartFactory(name="Hex bolt", sku="BLT-STL-M8-50", stock=320, price="1.00")
    url = reverse("admin:maintenance_sparepart_change", args=[part.pk])
    assert 'name="initial-stock" value="320"' in admin_client.get(url).text
    opened = change_form_data(part)
    take(part, 5)
    response = admin_client.post(url, {**opened, "stock": "330"})
    assert response.status_code == 302
    assert any("you read 320, it is now 315" in m for m in messages_of(response))
    part.refresh_from_db()
    assert part.stock == 315
    # Saving the form opened before the order for the price only leaves the stock alone.
    response = admin_client.post(url, {**opened, "price": "2.00"})
    assert response.status_code == 302
    part.refresh_from_db()
    assert (str(part.price), part.stock) == ("2.00", 315)
    # From a fresh form the stock is set.
    response = admin_client.post(url, {**change_form_data(part), "stock": "400"})
    part.refresh_from_db()
    assert part.stock == 400


def test_part_add_form_uses_the_service_rules(admin_client):
    url = reverse("admin:maintenance_sparepart_add")
    data = {"name": "Bolt", "sku": "BAD", "price": "1.00", "stock": "1", "min_stock": "0", "category": ""}
    response = admin_client.post(url, data)
    # Refused by the service: the form comes back with what was typed and the message at the SKU.
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors["sku"] == [
        "Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got 'BAD'"
    ]
    assert (form["name"].value(), form["sku"].value(), form["price"].value()) == ("Bolt", "BAD", "1.00")
    assert 'value="Bolt"' in response.text
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
