from __future__ import annotations

from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from maintenance.models import Category, SparePart


class CategoryFactory(DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n:03d}")
    description = ""


class SparePartFactory(DjangoModelFactory):
    class Meta:
        model = SparePart

    name = factory.Sequence(lambda n: f"Part {n:03d}")
    # A class no test writes by hand ("BLT-STL-M8-50" is one), so a sequence never meets one.
    sku = factory.Sequence(lambda n: f"FAC-STL-M{n}-50")
    price = Decimal("1.50")
    stock = 100
    min_stock = 0
    category = None
