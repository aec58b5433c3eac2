"""Demo machines for `manage.py seed_demo`, each with a day of telemetry (one reading a minute)."""

from __future__ import annotations

import math
import random
import uuid
from datetime import timedelta

from django.utils import timezone

from machines import services
from machines.choices import MachineStatus
from machines.models import Machine
from machines.timeseries import Point, get_store

# (id, name, location, sensor_type, status)
DEMO_MACHINES = [
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e01",
        "CNC-Machine-01",
        "Factory Floor 1 - Zone A",
        "Temperature",
        "active",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e02",
        "CNC-Machine-02",
        "Factory Floor 1 - Zone B",
        "Temperature",
        "active",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e03",
        "Compressor-A1",
        "Factory Floor 2 - Zone A",
        "Pressure",
        "active",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e04",
        "Compressor-A2",
        "Factory Floor 2 - Zone A",
        "Pressure",
        "maintenance",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e05",
        "Conveyor-Belt-01",
        "Factory Floor 1 - Zone C",
        "Speed",
        "active",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e06",
        "Hydraulic-Press-01",
        "Factory Floor 3 - Zone A",
        "Pressure",
        "active",
    ),
    (
        "6b0f4c1e-3a52-4d6e-9c11-0a1b2c3d4e07",
        "Cooling-Unit-01",
        "Factory Floor 2 - Zone B",
        "Temperature",
        "error",
    ),
]
MINUTES = 24 * 60


def day_of_telemetry(machine_id: uuid.UUID, sensor_type: str, location: str, seed: int) -> list[Point]:
    """A plausible day: a slow daily wave, a little noise, one reading a minute up to now."""
    rng = random.Random(seed)
    end = timezone.now().replace(second=0, microsecond=0)
    points = []
    for minute in range(MINUTES):
        at = end - timedelta(minutes=MINUTES - minute)
        wave = math.sin(2 * math.pi * minute / MINUTES)
        temperature = round(62 + 8 * wave + rng.gauss(0, 1.2), 2)
        pressure = speed = None
        if sensor_type == "Pressure":
            pressure = round(120 + 15 * wave + rng.gauss(0, 2.5), 2)
        elif sensor_type == "Speed":
            speed = round(1500 + 200 * wave + rng.gauss(0, 25), 1)
            temperature = round(38 + 3 * wave + rng.gauss(0, 0.5), 2)
        points.append(Point(machine_id, at, sensor_type, location, temperature, pressure, speed))
    return points


def load(stdout) -> None:
    """Idempotent: existing machines (by name) are left as they are, with their telemetry."""
    existing = set(
        Machine.objects.filter(name__in=[m[1] for m in DEMO_MACHINES]).values_list("name", flat=True)
    )
    store = get_store()
    for index, (machine_id, name, location, sensor_type, status) in enumerate(DEMO_MACHINES):
        if name in existing:
            continue
        machine = services.machine_create(
            machine_id=uuid.UUID(machine_id),
            name=name,
            location=location,
            sensor_type=sensor_type,
            status=MachineStatus(status),
            actor=None,
        )
        store.write(day_of_telemetry(machine.pk, sensor_type, location, seed=index))
        stdout.write(f"  created machine {name} ({machine_id}) with {MINUTES} readings")
