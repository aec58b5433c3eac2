"""The admin's one export path (config.exports): every change list as filtered, CSV and XLSX,
formulas neutralised, secrets never written, the change list's own permission."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.messages import get_messages
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework_simplejwt.tokens import RefreshToken

from machines.models import Machine
from machines.tests.factories import MachineFactory
from staff.models import AccessOutstandingToken, User
from staff.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def export_url(model, fmt: str = "csv", query: str = "") -> str:
    opts = model._meta
    return reverse("admin-export", args=[opts.app_label, opts.model_name, fmt]) + query


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def xlsx_rows(response) -> tuple[list[tuple], Any]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = load_workbook(io.BytesIO(response.content))
    return [tuple(cell.value for cell in row) for row in book.active.iter_rows()], book.active


def test_export_of_a_filtered_list_has_exactly_the_filtered_rows_of_every_page(admin_client, monkeypatch):
    monkeypatch.setattr(admin.site._registry[Machine], "list_per_page", 2)
    broken = [MachineFactory(name=f"Press-{n}", status="error") for n in range(5)]
    MachineFactory(name="Press-ok", status="active")
    MachineFactory(name="Lathe-broken", status="error")
    rows = csv_rows(admin_client.get(export_url(Machine, query="?status__exact=error&q=Press")))
    assert rows[0] == ["machine_id", "name", "location", "sensor_type", "status"]
    assert sorted(row[1] for row in rows[1:]) == sorted(m.name for m in broken)
    assert {row[0] for row in rows[1:]} == {str(m.pk) for m in broken}


def test_the_change_list_links_its_exports_with_its_filters(admin_client):
    page = admin_client.get(reverse("admin:machines_machine_changelist") + "?status__exact=error&p=1")
    content = page.content.decode()
    assert export_url(Machine, "csv", "?status__exact=error") in content
    assert export_url(Machine, "xlsx", "?status__exact=error") in content


def test_formula_cells_are_neutralised_in_csv_and_xlsx(admin_client):
    MachineFactory(name='=HYPERLINK("http://evil","x")', location="+cmd|' /C calc'!A0", sensor_type="@SUM(1)")
    rows = csv_rows(admin_client.get(export_url(Machine)))
    assert rows[1][1:4] == ['\'=HYPERLINK("http://evil","x")', "'+cmd|' /C calc'!A0", "'@SUM(1)"]
    rows, sheet = xlsx_rows(admin_client.get(export_url(Machine, "xlsx")))
    assert rows[1][1:4] == ('\'=HYPERLINK("http://evil","x")', "'+cmd|' /C calc'!A0", "'@SUM(1)")
    assert all(cell.data_type == "s" for cell in next(sheet.iter_rows(min_row=2)))


def test_xlsx_is_readable_with_typed_numbers(admin_client):
    from maintenance.models import SparePart
    from maintenance.tests.factories import SparePartFactory

    part = SparePartFactory(sku="BLT-STL-M8-50", name="Bolt", stock=4)
    rows, _ = xlsx_rows(admin_client.get(export_url(SparePart, "xlsx")))
    assert rows[0] == ("id", "sku", "name", "category", "price", "stock", "min_stock")
    assert rows[1] == (part.pk, "BLT-STL-M8-50", "Bolt", None, 1.5, 4, 0)


def test_every_change_list_exports_in_both_formats_and_never_a_secret(admin_client, superuser):
    target = UserFactory(username="rina")
    refresh = RefreshToken.for_user(target)
    assert AccessOutstandingToken.objects.filter(user=target).exists()
    for model in admin.site._registry:
        for fmt in ("csv", "xlsx"):
            response = admin_client.get(export_url(model, fmt))
            assert response.status_code == 200, (model, fmt)
            assert str(refresh).encode() not in response.content, model
            assert target.password.encode() not in response.content, model
    header = csv_rows(admin_client.get(export_url(AccessOutstandingToken)))[0]
    assert header == ["id", "user_id", "jti", "created_at", "expires_at"]
    header = csv_rows(admin_client.get(export_url(User)))[0]
    assert not {"password", "token_generation"} & set(header)


def test_personal_data_stays_with_its_permission(admin_client_as):
    viewer = UserFactory(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_user", content_type__app_label="staff"))
    UserFactory(username="target", phone="081234567890", address="Rahasia")
    response = admin_client_as(viewer).get(export_url(User, query="?q=target"))
    rows = csv_rows(response)
    assert "alamat" not in rows[0] and "telepon" not in rows[0]
    assert [row[1] for row in rows[1:]] == ["target"]
    assert "Rahasia" not in response.content.decode()


def test_export_needs_the_change_lists_permission(admin_client_as, operator, admin_client):
    operator.is_staff = True
    operator.save(update_fields=["is_staff"])
    client = admin_client_as(operator)
    assert client.get(export_url(User)).status_code == 403  # Operators do not view staff records
    assert client.get(export_url(Machine)).status_code == 200
    assert admin_client.get(reverse("admin-export", args=["machines", "nothing", "csv"])).status_code == 404
    assert admin_client.get(export_url(Machine, "pdf")).status_code == 404
    anonymous = admin_client.__class__()
    assert anonymous.get(export_url(Machine)).status_code == 302  # to the admin login


def test_a_list_over_the_limit_is_refused_with_a_message(admin_client, settings):
    settings.ADMIN_EXPORT_MAX_ROWS = 2
    for n in range(3):
        MachineFactory(name=f"M-{n}")
    response = admin_client.get(export_url(Machine, query="?q=M-"))
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:machines_machine_changelist") + "?q=M-"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Not exported: more than 2 rows; narrow the list with its filters first."
    ]
    assert len(csv_rows(admin_client.get(export_url(Machine, query="?q=M-1")))) == 2


def test_bad_filters_are_a_message_not_an_error(admin_client):
    response = admin_client.get(export_url(Machine, query="?nonsense__exact=1"))
    assert response.status_code == 302
    assert "Not exported" in str(next(iter(get_messages(response.wsgi_request))))
