"""Sample units, sensors and readings for `manage.py seed_demo` / `manage.py seed_sensors`."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from sensors import selectors, services
from sensors.choices import DataStatus, SensorStatus, SensorType

T, H, P, M, L, S = (
    SensorType.TEMPERATURE,
    SensorType.HUMIDITY,
    SensorType.PRESSURE,
    SensorType.MOTION,
    SensorType.LIGHT,
    SensorType.SOUND,
)

# (unit name, location, description, [(sensor name, type, status)])
DEMO_UNITS = [
    (
        "Factory A – Production Floor",  # noqa: RUF001 (the name as the specification spells it)
        "Building 1, Floor 2",
        "Assembly lines 1-4",
        [
            ("Line 1 Temperature", T, SensorStatus.ACTIVE),
            ("Line 1 Humidity", H, SensorStatus.ACTIVE),
            ("Compressor Pressure", P, SensorStatus.ACTIVE),
            ("Press Noise Level", S, SensorStatus.MAINTENANCE),
        ],
    ),
    (
        "Warehouse B – Storage Area",  # noqa: RUF001
        "Building 3, Ground Floor",
        "Cold storage and racks",
        [
            ("Cold Room Temperature", T, SensorStatus.ACTIVE),
            ("Storage Humidity", H, SensorStatus.ACTIVE),
            ("Loading Dock Motion", M, SensorStatus.ACTIVE),
            ("Aisle Light", L, SensorStatus.INACTIVE),
        ],
    ),
    (
        "Office Building C",
        "Building 2, All Floors",
        None,
        [
            ("Lobby Temperature", T, SensorStatus.ACTIVE),
            ("Meeting Room Light", L, SensorStatus.ACTIVE),
            ("Corridor Motion", M, SensorStatus.ACTIVE),
            ("Open Office Noise", S, SensorStatus.ACTIVE),
        ],
    ),
    (
        "Data Center",
        "Building 4, Basement",
        "Server racks A-F",
        [
            ("Rack A Inlet Temperature", T, SensorStatus.ACTIVE),
            ("Rack A Humidity", H, SensorStatus.ACTIVE),
            ("Raised Floor Pressure", P, SensorStatus.INACTIVE),
        ],
    ),
]

# Plausible value ranges in each type's physical unit.
RANGES = {
    T: (18.0, 30.0),
    H: (30.0, 70.0),
    P: (100_000.0, 102_500.0),
    M: (0.0, 20.0),
    L: (100.0, 800.0),
    S: (35.0, 90.0),
}
READINGS_PER_SENSOR = 25
DAYS = 3
STATUS_WEIGHTS = [
    (DataStatus.PENDING, 40),
    (DataStatus.VALIDATED, 35),
    (DataStatus.INVALID, 10),
    (DataStatus.ARCHIVED, 15),
]


def _readings(rng: random.Random, sensor_type: str, now) -> list:
    low, high = RANGES[sensor_type]
    statuses, weights = zip(*STATUS_WEIGHTS, strict=True)
    rows = []
    for _ in range(READINGS_PER_SENSOR):
        ts = now - timedelta(seconds=rng.randint(60, DAYS * 86_400))
        value = round(rng.uniform(low, high), 0 if sensor_type == M else 2)
        rows.append((ts, value, rng.choices(statuses, weights)[0]))
    return rows


def load(stdout) -> None:
    """Idempotent: units (by name) and sensors (by unit and name) that exist are kept as they are;
    a sensor gets sample readings only while it has none."""
    rng = random.Random(9)  # the same sample data on every machine
    now = timezone.now()
    for name, location, description, sensors in DEMO_UNITS:
        unit = selectors.unit_find(name=name)
        if unit is None:
            unit = services.unit_create(name=name, location=location, description=description, actor=None)
            stdout.write(f"  created unit {name}")
        for sensor_name, sensor_type, status in sensors:
            sensor = selectors.sensor_find(unit=unit, name=sensor_name)
            if sensor is None:
                sensor = services.sensor_create(
                    name=sensor_name, sensor_type=sensor_type, unit_id=unit.pk, status=status, actor=None
                )
            rows = _readings(rng, sensor_type, now)
            if not selectors.sensor_has_readings(sensor=sensor):
                count = services.sensordata_import(sensor=sensor, readings=rows, actor=None)
                stdout.write(f"  {unit.name} / {sensor_name}: {count} readings")
