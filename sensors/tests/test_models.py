from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from sensors.models import Sensor, SensorData, Unit
from sensors.tests.factories import SensorDataFactory, SensorFactory, UnitFactory

pytestmark = pytest.mark.django_db


def test_str():
    reading = SensorDataFactory(sensor__name="Temp 1", sensor__unit__name="Data Center", value=21.5)
    assert str(reading.sensor.unit) == "Data Center"
    assert str(reading.sensor) == "Temp 1"
    assert str(reading) == f"reading {reading.pk} of sensor {reading.sensor_id}: 21.5 celsius"


@pytest.mark.parametrize(
    ("factory", "field", "value"),
    [
        (SensorFactory, "sensor_type", "radiation"),
        (SensorFactory, "status", "broken"),
        (SensorDataFactory, "status", "lost"),
        (UnitFactory, "name", ""),
        (UnitFactory, "location", ""),
        (SensorFactory, "name", ""),
    ],
)
def test_check_constraints_hold_in_the_database(factory, field, value):
    obj = factory()
    with pytest.raises(IntegrityError), transaction.atomic():
        type(obj).objects.filter(pk=obj.pk).update(**{field: value})


def test_constraints_have_readable_messages():
    sensor = SensorFactory.build(unit=UnitFactory(), sensor_type="radiation")
    with pytest.raises(ValidationError) as caught:
        sensor.validate_constraints()
    assert "Sensor type must be one of: temperature, humidity, pressure, motion, light, sound." in str(
        caught.value
    )


def test_default_orderings_are_newest_first_then_id():
    assert Unit._meta.ordering == ["-created_at", "-id"]
    assert Sensor._meta.ordering == ["-created_at", "-id"]
    assert SensorData._meta.ordering == ["-timestamp", "-id"]


def test_indexes_serve_the_default_ordering_and_the_filters():
    index_fields = {tuple(index.fields) for index in SensorData._meta.indexes}
    assert {("-timestamp", "-id"), ("sensor", "-timestamp", "-id"), ("status", "-timestamp", "-id")} <= (
        index_fields
    )
    assert ("unit", "-created_at", "-id") in {tuple(index.fields) for index in Sensor._meta.indexes}


def test_custom_permissions_exist():
    from django.contrib.auth.models import Permission

    codenames = set(
        Permission.objects.filter(content_type__app_label="sensors").values_list("codename", flat=True)
    )
    assert {"validate_sensordata", "archive_sensordata"} <= codenames


def test_cascades_unit_to_sensors_to_readings():
    reading = SensorDataFactory()
    reading.sensor.unit.delete()
    assert not Sensor.objects.exists()
    assert not SensorData.objects.exists()
