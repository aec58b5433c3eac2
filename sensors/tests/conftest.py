from __future__ import annotations

import pytest

from sensors.tests.factories import SensorFactory, UnitFactory


@pytest.fixture
def unit(db):
    return UnitFactory(name="Factory A - Production Floor", location="Building 1, Floor 2")


@pytest.fixture
def sensor(unit):
    return SensorFactory(name="Temp 1", unit=unit)
