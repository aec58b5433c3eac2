"""Spare parts imported from the admin: a dry-run preview, then the whole file through the services."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import Workbook

from config.testing_imports import admin_import, admin_import_confirm, csv_bytes, import_row_errors
from maintenance import services
from maintenance.models import AuditLog, SparePart
from maintenance.tests.conftest import items_url
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db

HEADER = ["id", "sku", "name", "category_id", "price", "stock", "min_stock"]


def staff_client(admin_client_as, user):
    user.is_staff = True  # what assigning a role does (records.user_set_role); the fixtures skip it
    user.save(update_fields=["is_staff"])
    return admin_client_as(user)


@pytest.fixture
def supervisor_admin(admin_client_as, supervisor):
    return staff_client(admin_client_as, supervisor)


def test_dry_run_shows_rows_and_errors_and_changes_nothing(supervisor_admin):
    content = csv_bytes(
        HEADER,
        ["", "BLT-STL-M8-50", "Bolt", "", "0.35", "5", "1"],
        ["", "BLT-STL-M8", "Bad", "", "1.00", "1", ""],
        ["", "NUT-STL-M8-0", "Nut", "", "-1", "", ""],
    )
    preview = admin_import(supervisor_admin, SparePart, content)
    assert preview.status_code == 200
    errors = import_row_errors(preview)
    assert set(errors) == {2, 3}
    assert errors[2] == [
        "Invalid SKU format. Expected format: [CLASS]-[MATERIAL]-[SIZE]-[LENGTH], but got 'BLT-STL-M8'"
    ]
    assert errors[3] == ["price: Ensure this value is greater than or equal to 0."]
    assert preview.context.get("confirm_form") is None  # nothing to confirm while a row is refused
    assert "Bolt" in preview.content.decode() and "BLT-STL-M8" in preview.content.decode()
    assert not SparePart.objects.exists()
    assert not AuditLog.objects.exists()


def test_a_clean_preview_lists_the_rows_and_stores_nothing(supervisor_admin):
    preview = admin_import(
        supervisor_admin, SparePart, csv_bytes(HEADER, ["", "A-B-C-D", "Bolt", "", "1", "2", ""])
    )
    result = preview.context["result"]
    assert [row.import_type for row in result.rows] == ["new"]
    assert preview.context["confirm_form"] is not None
    assert not SparePart.objects.exists() and not AuditLog.objects.exists()


def test_bad_sku_row_error_is_the_apis_message(supervisor_admin, supervisor_client):
    for sku in ["BLT-STL-M8", "BLT--M8-50"]:
        api = supervisor_client.post(
            items_url(), {"name": "Bolt", "sku": sku, "price": "1.00"}, format="json"
        )
        assert api.status_code == 400
        preview = admin_import(
            supervisor_admin, SparePart, csv_bytes(HEADER, ["", sku, "Bolt", "", "1.00", "", ""])
        )
        assert import_row_errors(preview) == {1: [api.json()["detail"]]}


def test_confirm_creates_and_updates_through_the_services(supervisor_admin, supervisor):
    category = CategoryFactory(name="Fasteners")
    existing = SparePartFactory(sku="NUT-STL-M8-0", name="Nut", stock=10, price=Decimal("0.10"))
    untouched = SparePartFactory(sku="WSH-STL-M8-0", name="Washer", stock=3)
    content = csv_bytes(
        HEADER,
        ["", "BLT-STL-M8-50", "Bolt", category.pk, "0.35", "5", "2"],
        [existing.pk, "NUT-STL-M8-0", "Nut", "", "0.10", "7", ""],
        [untouched.pk, "WSH-STL-M8-0", "Washer", "", "1.50", "3", "0"],
    )
    preview = admin_import(supervisor_admin, SparePart, content)
    assert import_row_errors(preview) == {}
    assert SparePart.objects.count() == 2 and not AuditLog.objects.exists()
    confirmed = admin_import_confirm(supervisor_admin, SparePart, preview)
    assert confirmed.status_code == 302
    created = SparePart.objects.get(sku="BLT-STL-M8-50")
    assert (created.name, created.category_id, created.price, created.stock, created.min_stock) == (
        "Bolt", category.pk, Decimal("0.35"), 5, 2,
    )  # fmt: skip
    existing.refresh_from_db()
    assert existing.stock == 7
    audit = {(row.action, row.entity_id): row for row in AuditLog.objects.all()}
    assert set(audit) == {
        ("create", str(created.pk)),
        ("update", str(existing.pk)),
    }  # the unchanged row is skipped
    assert audit[("update", str(existing.pk))].changes == {"stock": [10, 7]}
    assert all(row.actor_id == supervisor.pk for row in audit.values())


def test_a_row_that_fails_at_confirmation_rolls_the_whole_file_back(supervisor_admin):
    content = csv_bytes(
        HEADER, ["", "BLT-STL-M8-50", "Bolt", "", "1", "", ""], ["", "NUT-STL-M8-0", "Nut", "", "1", "", ""]
    )
    preview = admin_import(supervisor_admin, SparePart, content)
    # Between the preview and the confirmation someone takes the second SKU.
    services.sparepart_create(name="Other", sku="NUT-STL-M8-0", price=Decimal("2"), actor=None)
    confirmed = admin_import_confirm(supervisor_admin, SparePart, preview)
    assert confirmed.status_code == 302
    assert confirmed["Location"] == reverse("admin:maintenance_sparepart_import")
    messages = [str(m) for m in get_messages(confirmed.wsgi_request)]
    assert messages == ["Nothing imported: row 2: Spare part with SKU 'NUT-STL-M8-0' already exists"]
    assert list(SparePart.objects.values_list("sku", flat=True)) == ["NUT-STL-M8-0"]


def test_a_stock_that_moved_since_the_preview_is_refused(supervisor_admin):
    part = SparePartFactory(sku="BLT-STL-M8-50", stock=10)
    preview = admin_import(
        supervisor_admin, SparePart, csv_bytes(HEADER, [part.pk, part.sku, part.name, "", "1.50", "4", ""])
    )
    assert import_row_errors(preview) == {}
    services.sparepart_update(sparepart=part, stock=9, actor=None)
    confirmed = admin_import_confirm(supervisor_admin, SparePart, preview)
    assert "Nothing imported" in str(next(iter(get_messages(confirmed.wsgi_request))))
    part.refresh_from_db()
    assert part.stock == 9


def test_unknown_id_and_unknown_category_are_row_errors(supervisor_admin):
    content = csv_bytes(
        HEADER,
        ["999999", "BLT-STL-M8-50", "Bolt", "", "1", "", ""],
        ["", "A-B-C-D", "X", "424242", "1", "", ""],
    )
    errors = import_row_errors(admin_import(supervisor_admin, SparePart, content))
    assert errors == {1: ["id: No spare part with id '999999'."], 2: ["Category with ID '424242' not found"]}


@pytest.mark.parametrize("key", ["abc", "-1", "99999999999999999999999", "1.5"])
def test_a_key_that_is_no_id_is_a_row_error(supervisor_admin, key):
    errors = import_row_errors(
        admin_import(supervisor_admin, SparePart, csv_bytes(HEADER, [key, "A-B-C-D", "X", "", "1", "", ""]))
    )
    assert errors == {1: [f"id: No spare part with id {key!r}."]}


def test_xlsx_import(supervisor_admin):
    book = Workbook()
    book.active.append(HEADER)
    book.active.append([None, "BLT-STL-M8-50", "Bolt", None, 0.35, 5, None])
    buffer = io.BytesIO()
    book.save(buffer)
    preview = admin_import(supervisor_admin, SparePart, buffer.getvalue(), fmt="xlsx")
    assert import_row_errors(preview) == {}
    admin_import_confirm(supervisor_admin, SparePart, preview)
    part = SparePart.objects.get()
    assert (part.sku, part.price, part.stock) == ("BLT-STL-M8-50", Decimal("0.35"), 5)


def test_import_needs_add_and_change_permission(admin_client_as, operator, supervisor):
    operator_admin = staff_client(admin_client_as, operator)
    url = reverse("admin:maintenance_sparepart_import")
    assert operator_admin.get(url).status_code == 403
    assert (
        admin_import(
            operator_admin, SparePart, csv_bytes(HEADER, ["", "A-B-C-D", "X", "", "1", "", ""])
        ).status_code
        == 403
    )
    assert operator_admin.post(reverse("admin:maintenance_sparepart_process_import"), {}).status_code == 403
    assert not SparePart.objects.exists()
    changelist = reverse("admin:maintenance_sparepart_changelist")
    assert url not in operator_admin.get(changelist).content.decode()
    assert url in staff_client(admin_client_as, supervisor).get(changelist).content.decode()


@pytest.mark.parametrize(
    ("content", "fmt"),
    [(b"\xff\xfe\x00bad", "csv"), (b"", "csv"), (b"sku,name\n", "csv"), (b"not a workbook", "xlsx")],
)
def test_an_unreadable_or_empty_file_is_a_form_error(supervisor_admin, content, fmt):
    preview = admin_import(supervisor_admin, SparePart, content, fmt=fmt)
    assert preview.status_code == 200
    assert preview.context["form"].errors["import_file"]
    assert preview.context.get("confirm_form") is None
    assert not SparePart.objects.exists()
