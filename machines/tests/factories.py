from __future__ import annotations

import factory

from machines.choices import MachineStatus
from machines.models import Machine


class MachineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Machine

    name = factory.Sequence(lambda n: f"Machine-{n:03d}")
    location = "Factory Floor 1 - Zone A"
    sensor_type = "Temperature"
    status = MachineStatus.ACTIVE
