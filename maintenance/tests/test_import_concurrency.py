"""Real threads against PostgreSQL: confirmed imports that race over one part's stock and one new
SKU. The services' row lock and unique index decide; a losing file is rolled back whole."""

from __future__ import annotations

from collections import Counter

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from config.testing import run_threads
from config.testing_imports import admin_import, admin_import_confirm, csv_bytes, import_row_errors
from maintenance.models import AuditLog, SparePart
from maintenance.tests.factories import SparePartFactory
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

HEADER = ["id", "sku", "name", "category_id", "price", "stock", "min_stock"]
WORKERS = 6


def outcome(response) -> str:
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(texts) == 1, texts
    return "imported" if texts[0].startswith("Import finished") else texts[0]


def test_racing_stock_imports_from_one_preview_state_leave_one_winner():
    part = SparePartFactory(sku="BLT-STL-M8-50", stock=10)
    previews = []
    for index in range(WORKERS):
        client = Client()
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        row = [part.pk, part.sku, part.name, "", "1.50", str(20 + index), ""]
        preview = admin_import(client, SparePart, csv_bytes(HEADER, row))
        assert import_row_errors(preview) == {}
        previews.append((client, preview))

    results = run_threads(
        WORKERS, lambda i: outcome(admin_import_confirm(previews[i][0], SparePart, previews[i][1]))
    )

    counts = Counter("imported" if r == "imported" else "refused" for r in results)
    assert counts == {"imported": 1, "refused": WORKERS - 1}, results
    winner = results.index("imported")
    for index, result in enumerate(results):
        if index != winner:
            assert result.startswith("Nothing imported: row 1: the stock of "), result
            assert f"(you read 10, it is now {20 + winner})" in result, result
    part.refresh_from_db()
    assert part.stock == 20 + winner
    [audit] = AuditLog.objects.filter(entity="spare_part", action="update")
    assert audit.changes == {"stock": [10, 20 + winner]}


def test_racing_files_creating_one_sku_create_it_once():
    previews = []
    for index in range(WORKERS):
        client = Client()
        client.force_login(UserFactory(is_superuser=True, is_staff=True))
        rows = [
            ["", "NEW-STL-M8-50", f"Bolt {index}", "", "1", "", ""],
            ["", f"OWN-STL-M8-{index}", "x", "", "1", "", ""],
        ]
        preview = admin_import(client, SparePart, csv_bytes(HEADER, *rows))
        assert import_row_errors(preview) == {}
        previews.append((client, preview))

    results = run_threads(
        WORKERS, lambda i: outcome(admin_import_confirm(previews[i][0], SparePart, previews[i][1]))
    )

    assert results.count("imported") == 1, results
    winner = results.index("imported")
    assert set(SparePart.objects.values_list("sku", flat=True)) == {"NEW-STL-M8-50", f"OWN-STL-M8-{winner}"}
    assert AuditLog.objects.filter(entity="spare_part", action="create").count() == 2
    for index, result in enumerate(results):
        if index != winner:
            assert result == "Nothing imported: row 1: Spare part with SKU 'NEW-STL-M8-50' already exists"
