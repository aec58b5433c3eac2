from __future__ import annotations

import factory
from factory.django import DjangoModelFactory

from sensors.choices import DataStatus, SensorStatus, SensorType
from sensors.models import Sensor, SensorData, Unit


class UnitFactory(DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"Unit {n:03d}")
    location = "Building 1"


class SensorFactory(DjangoModelFactory):
    class Meta:
        model = Sensor

    name = factory.Sequence(lambda n: f"Sensor {n:03d}")
    sensor_type = SensorType.TEMPERATURE
    unit = factory.SubFactory(UnitFactory)
    status = SensorStatus.ACTIVE


class SensorDataFactory(DjangoModelFactory):
    class Meta:
        model = SensorData

    sensor = factory.SubFactory(SensorFactory)
    value = 21.5
    unit = "celsius"
    status = DataStatus.PENDING
