from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from maintenance.models import Category, IdempotencyRecord, ServiceOrder, ServiceOrderImage, SparePart
from maintenance.tests.factories import CategoryFactory, SparePartFactory

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_purge_deletes_only_old_records(order):
    from maintenance import services

    newer = services.order_create(
        request_id=2, items=[{"spare_part_id": order.items.first().spare_part_id, "quantity": 1}], actor=None
    ).order
    IdempotencyRecord.objects.filter(order=order).update(created_at=timezone.now() - timedelta(hours=25))
    assert "Deleted 1 idempotency record(s)" in run("purge_idempotency_records", "--older-than", "24h")
    assert list(IdempotencyRecord.objects.values_list("order_id", flat=True)) == [newer.pk]
    assert ServiceOrder.objects.count() == 2


@pytest.mark.parametrize("age", ["soon", "24x", "-1h"])
def test_purge_refuses_a_bad_age(age):
    with pytest.raises(CommandError):
        run("purge_idempotency_records", "--older-than", age)


def test_low_stock_report_prints_and_emails(settings):
    category = CategoryFactory(name="Bearings")
    SparePartFactory(sku="BRG-STL-6306-19", name="Ball bearing", stock=2, min_stock=30, category=category)
    SparePartFactory(sku="OK-A-B-C", stock=50, min_stock=10)
    output = run("low_stock_report")
    assert "BRG-STL-6306-19" in output and "28" in output
    assert "OK-A-B-C" not in output
    assert not mail.outbox
    settings.LOW_STOCK_REPORT_RECIPIENTS = ["stores@example.com"]
    run("low_stock_report", "--email")
    [message] = mail.outbox
    assert message.to == ["stores@example.com"]
    assert "BRG-STL-6306-19" in message.body
    run("low_stock_report", "--email", "--to", "boss@example.com")
    assert mail.outbox[-1].to == ["boss@example.com"]


def test_low_stock_report_email_needs_recipients(settings):
    settings.LOW_STOCK_REPORT_RECIPIENTS = []
    SparePartFactory(stock=0, min_stock=1)
    with pytest.raises(CommandError, match="No recipients"):
        run("low_stock_report", "--email")


def test_low_stock_report_with_nothing_low():
    SparePartFactory(stock=5, min_stock=1)
    assert "No spare parts below" in run("low_stock_report")


def test_seed_demo_is_idempotent_and_covers_every_status(fs_storage):
    from maintenance import demo

    demo.load(StringIO())
    counts = (Category.objects.count(), SparePart.objects.count(), ServiceOrder.objects.count())
    stock = dict(SparePart.objects.values_list("sku", "stock"))
    demo.load(StringIO())
    assert (Category.objects.count(), SparePart.objects.count(), ServiceOrder.objects.count()) == counts
    assert dict(SparePart.objects.values_list("sku", "stock")) == stock
    assert counts[0] == 4 and counts[1] >= 24
    assert set(ServiceOrder.objects.values_list("status", flat=True)) == {
        "pending", "in_progress", "completed", "cancelled",
    }  # fmt: skip
    assert ServiceOrderImage.objects.count() == 1
    assert SparePart.objects.filter(stock__lt=F("min_stock")).exists()
