"""Real threads against PostgreSQL: the admin's order form submitted twice at once (a double click,
two tabs) makes one order and takes the stock once, as the API's duplicate requests do."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from config.roles import Role
from config.testing import run_threads
from maintenance.models import IdempotencyRecord, ServiceOrder, ServiceOrderItem, SparePart
from maintenance.tests.factories import SparePartFactory
from maintenance.tests.test_admin_orders import order_form
from staff.records import services as records
from staff.tests.factories import UserFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_order_form_posted_four_times_at_once_makes_one_order():
    operator = records.user_set_role(user=UserFactory(username="clicker"), role=Role.OPERATOR, actor=None)
    part = SparePartFactory(stock=50, price="2.00")

    def post(index: int) -> int:
        client = Client()
        client.force_login(operator)
        return client.post(reverse("admin:maintenance_serviceorder_add"), order_form([(part, 3)])).status_code

    codes = run_threads(4, post)

    assert codes == [302] * 4
    assert ServiceOrder.objects.count() == 1
    assert ServiceOrderItem.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
    assert SparePart.objects.get(pk=part.pk).stock == 47
