"""A unit's admin page charts each sensor's readings per day (sensors/charts.py), one chart per
physical unit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from sensors.models import SensorData
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory


def staff(user):
    user.is_staff = True  # what assigning a role does; the fixtures skip it
    user.save(update_fields=["is_staff"])
    return user


def reading(sensor, value: float, unit: str, age: timedelta) -> None:
    made = SensorDataFactory(sensor=sensor, value=value, unit=unit)
    SensorData.objects.filter(pk=made.pk).update(timestamp=timezone.now() - age)


@pytest.mark.django_db
def test_daily_means_per_sensor_grouped_by_physical_unit(admin_client_as, operator):
    unit = UnitFactory()
    first, second = SensorFactory(unit=unit, name="Inlet"), SensorFactory(unit=unit, name="Outlet")
    lux = SensorFactory(unit=unit, name="Lamp", sensor_type="light")
    for day in range(3):
        reading(first, 20.0 + day, "celsius", timedelta(days=day))
        reading(second, 30.0, "celsius", timedelta(days=day))
    reading(lux, 500.0, "lux", timedelta(days=1))
    reading(first, 99.0, "celsius", timedelta(days=20))  # outside the default week
    html = admin_client_as(staff(operator)).get(f"/admin/sensors/unit/{unit.pk}/change/").content.decode()
    assert "Readings per sensor, last 7d" in html
    assert "Daily mean (celsius)" in html and "Daily mean (lux)" in html
    assert f"Inlet (#{first.pk})" in html and f"Outlet (#{second.pk})" in html
    lines = [len(p.split()) for p in re.findall(r'<polyline [^>]*points="([^"]*)"', html)]
    assert lines == [3, 3]  # three days each; the lamp's one day is a dot
    assert html.count("<circle") == 1
    month = admin_client_as(operator).get(f"/admin/sensors/unit/{unit.pk}/change/?chart_range=30d")
    # The month holds the old reading too: a dot of its own, 18 days before the line resumes.
    assert month.content.decode().count("<circle") == 2


@pytest.mark.django_db
def test_a_unit_without_readings(admin_client_as, operator):
    unit = UnitFactory()
    html = admin_client_as(staff(operator)).get(f"/admin/sensors/unit/{unit.pk}/change/").content.decode()
    assert "No data in this range" in html and "<polyline" not in html
