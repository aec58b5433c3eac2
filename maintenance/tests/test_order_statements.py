"""An order's stock moves are one statement whatever its number of parts (README "Performance")."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from maintenance.models import SparePart
from maintenance.tests.conftest import orders_url
from maintenance.tests.factories import SparePartFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _stock_updates(queries) -> list[str]:
    table = SparePart._meta.db_table
    return [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().startswith("WITH") and table in q["sql"]
    ]


def test_a_three_line_order_takes_its_stock_in_one_statement(operator_client):
    parts = [SparePartFactory(stock=10) for _ in range(3)]
    items = [{"spare_part_id": part.pk, "quantity": n} for n, part in enumerate(reversed(parts), start=1)]
    with CaptureQueriesContext(connection) as queries:
        response = operator_client.post(orders_url(), {"request_id": 1, "items": items}, format="json")
    assert response.status_code == 201, response.content
    assert len(_stock_updates(queries)) == 1
    assert not [
        q for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{SparePart._meta.db_table}"')
    ]
    assert [SparePart.objects.get(pk=part.pk).stock for part in parts] == [7, 8, 9]


def test_one_short_part_takes_nothing_and_names_that_part(operator_client):
    plenty, short = SparePartFactory(stock=10), SparePartFactory(stock=1, name="Gasket")
    items = [{"spare_part_id": plenty.pk, "quantity": 2}, {"spare_part_id": short.pk, "quantity": 2}]
    response = operator_client.post(orders_url(), {"request_id": 2, "items": items}, format="json")
    assert response.status_code == 400
    assert "Gasket" in response.json()["detail"]
    assert SparePart.objects.get(pk=plenty.pk).stock == 10
    assert SparePart.objects.get(pk=short.pk).stock == 1


def test_stock_take_refuses_a_part_that_went_short_after_the_read(operator):
    """The UPDATE decides, not the earlier read: a short part raises and the transaction undoes the rest."""
    from django.db import transaction
    from django.utils import timezone

    from maintenance.exceptions import InsufficientStock
    from maintenance.services.stock import stock_take

    plenty, short = SparePartFactory(stock=10), SparePartFactory(stock=1)
    with pytest.raises(InsufficientStock), transaction.atomic():
        stock_take(order_id=1, quantities={plenty.pk: 2, short.pk: 2}, actor=operator, at=timezone.now())
    assert SparePart.objects.get(pk=plenty.pk).stock == 10
    assert SparePart.objects.get(pk=short.pk).stock == 1
